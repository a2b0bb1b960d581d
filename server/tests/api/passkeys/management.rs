//! The passkey list: renaming, removing (step-up, other sessions end, never the last way in), and
//! accounts that have a passkey and no password at all.

use serde_json::{json, Value};

use super::{
    add_passkey, alice_with_passkey, post, server, sign_in_finish, sign_in_start, Authenticator,
    PASSWORD,
};
use crate::helpers::sessions::{session_from, Session};
use crate::helpers::{assert_error, json_with_status, Backend, TestServer};
use crate::tokens::segment;

async fn list(server: &TestServer, session: &Session) -> Value {
    let response = server
        .get_bearer("/api/auth/passkeys", &session.access_token)
        .await;
    json_with_status(response, 200).await
}

async fn delete(server: &TestServer, session: &Session, body: &Value) -> reqwest::Response {
    server
        .post_bearer("/api/auth/passkeys/delete", &session.access_token, body)
        .await
}

async fn a_passkey_is_renamed_by_its_owner_only(backend: Backend) {
    let server = server(backend).await;
    let (alice, _) = alice_with_passkey(&server).await;
    let bob = server.signup_session("bob", PASSWORD).await;
    let id = list(&server, &alice).await["passkeys"][0]["id"].clone();
    let path = "/api/auth/passkeys/rename";

    let renamed = server
        .post_bearer(
            path,
            &alice.access_token,
            &json!({ "id": id, "name": "Work phone" }),
        )
        .await;
    assert_eq!(json_with_status(renamed, 200).await["name"], "Work phone");
    let by_bob = server
        .post_bearer(
            path,
            &bob.access_token,
            &json!({ "id": id, "name": "Mine" }),
        )
        .await;
    assert_error(by_bob, 404, "not_found").await;
    let too_long = json!({ "id": id, "name": "x".repeat(65) });
    let too_long = server
        .post_bearer(path, &alice.access_token, &too_long)
        .await;
    assert_error(too_long, 400, "invalid_input").await;
    assert_eq!(
        list(&server, &alice).await["passkeys"][0]["name"],
        "Work phone"
    );
}

async fn removing_a_passkey_needs_the_password_and_ends_other_sessions(backend: Backend) {
    let server = server(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let other = server.login_session("alice", PASSWORD).await;
    let mut authenticator = Authenticator::new(&server);
    add_passkey(&server, &alice, &mut authenticator, "Laptop").await;
    let id = list(&server, &alice).await["passkeys"][0]["id"].clone();

    let wrong = delete(
        &server,
        &alice,
        &json!({ "id": id, "password": "wrong horse" }),
    )
    .await;
    assert_error(wrong, 401, "invalid_credentials").await;
    let removed = delete(&server, &alice, &json!({ "id": id, "password": PASSWORD })).await;
    assert_eq!(
        json_with_status(removed, 200).await,
        json!({ "removed": true })
    );

    assert_eq!(list(&server, &alice).await["passkeys"], json!([]));
    assert_eq!(
        server
            .refresh(Some(&other.refresh_token))
            .await
            .status()
            .as_u16(),
        401
    );
    // The password alone logs in again.
    session_from(server.login("alice", PASSWORD).await, 200).await;
    let events = server
        .get_bearer("/api/account/events", &alice.access_token)
        .await;
    let events = json_with_status(events, 200).await;
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "passkey_removed"));
    let gone = delete(&server, &alice, &json!({ "id": id, "password": PASSWORD })).await;
    assert_error(gone, 404, "not_found").await;
}

/// Signs up `username` with a passkey only.
async fn passkey_only_signup(server: &TestServer, username: &str) -> (Session, Authenticator) {
    let body = json!({ "username": username });
    let started = post(server, "/api/auth/passkeys/signup/start", &body).await;
    let started = json_with_status(started, 200).await;
    let mut authenticator = Authenticator::new(server);
    let credential = authenticator.register(&started["options"]);
    let body =
        json!({ "ceremony": started["ceremony"], "credential": credential, "name": "Phone" });
    let response = post(server, "/api/auth/passkeys/signup/finish", &body).await;
    (session_from(response, 201).await, authenticator)
}

async fn an_account_can_have_a_passkey_and_no_password(backend: Backend) {
    let server = server(backend).await;
    let (carol, mut authenticator) = passkey_only_signup(&server, "carol").await;
    assert_eq!(
        segment(&carol.access_token, 1)["amr"],
        json!(["hwk", "mfa"])
    );
    assert_eq!(list(&server, &carol).await["has_password"], false);
    assert_eq!(
        server
            .sql("SELECT password_hash FROM users WHERE username = 'carol'")
            .trim(),
        "!"
    );

    // No password logs in, whatever is typed.
    for password in ["!", "", PASSWORD] {
        let response = server.login("carol", password).await;
        assert_error(response, 401, "invalid_credentials").await;
    }
    // The passkey does.
    let started = sign_in_start(&server).await;
    let credential = authenticator.assert(&started["options"]);
    session_from(
        sign_in_finish(&server, &started["ceremony"], &credential).await,
        200,
    )
    .await;

    let taken = post(
        &server,
        "/api/auth/passkeys/signup/start",
        &json!({ "username": "Carol" }),
    )
    .await;
    assert_error(taken, 409, "username_taken").await;
}

async fn the_last_way_in_cannot_be_removed(backend: Backend) {
    let server = server(backend).await;
    let (carol, _) = passkey_only_signup(&server, "carol").await;
    let first = list(&server, &carol).await["passkeys"][0]["id"].clone();

    let refused = delete(&server, &carol, &json!({ "id": first })).await;
    assert_error(refused, 409, "last_credential").await;
    assert_eq!(
        list(&server, &carol).await["passkeys"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // With a second passkey, either can go (a recent sign-in is carol's step-up).
    let mut second = Authenticator::new(&server);
    let path = "/api/auth/passkeys/register/start";
    let started = server
        .post_bearer(path, &carol.access_token, &json!({}))
        .await;
    let started = json_with_status(started, 200).await;
    let credential = second.register(&started["options"]);
    let added =
        super::register_finish(&server, &carol, &started["ceremony"], &credential, "Key").await;
    json_with_status(added, 201).await;
    let removed = delete(&server, &carol, &json!({ "id": first })).await;
    json_with_status(removed, 200).await;
}

async fn without_a_password_a_change_needs_a_recent_sign_in(backend: Backend) {
    let server = server(backend).await;
    let (carol, _) = passkey_only_signup(&server, "carol").await;
    server.sql("UPDATE refresh_families SET created_at = created_at - 301");

    let path = "/api/auth/passkeys/register/start";
    let late = server
        .post_bearer(path, &carol.access_token, &json!({}))
        .await;
    assert_error(late, 401, "reauthentication_required").await;
}

async fn one_account_has_at_most_ten_passkeys(backend: Backend) {
    let server = server(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let mut authenticator = Authenticator::new(&server);
    for i in 0..10 {
        add_passkey(&server, &alice, &mut authenticator, &format!("Key {i}")).await;
    }
    let body = json!({ "password": PASSWORD });
    let path = "/api/auth/passkeys/register/start";
    let refused = server.post_bearer(path, &alice.access_token, &body).await;
    assert_error(refused, 409, "passkey_limit").await;
}

async fn adding_and_removing_a_passkey_notify_the_verified_address(backend: Backend) {
    let mail = crate::recovery::Mailbox::start(backend).await;
    let alice = mail.verified("alice", "alice@example.com").await;
    let mut authenticator = Authenticator::new(&mail.server);

    let added = add_passkey(&mail.server, &alice, &mut authenticator, "Laptop <b>").await;
    let notice = mail
        .mail_to("alice@example.com", "passkey was added", 1)
        .await;
    assert!(notice.text.contains("\"Laptop <b>\""), "{}", notice.text);
    assert!(notice.html.contains("Laptop &lt;b&gt;"), "{}", notice.html);
    assert!(!notice.html.contains("<b>"), "{}", notice.html);

    let body = json!({ "id": added["id"], "password": PASSWORD });
    json_with_status(delete(&mail.server, &alice, &body).await, 200).await;
    let notice = mail
        .mail_to("alice@example.com", "passkey was removed", 1)
        .await;
    assert!(notice.text.contains("signed out"), "{}", notice.text);
}

on_both_backends!(
    adding_and_removing_a_passkey_notify_the_verified_address,
    a_passkey_is_renamed_by_its_owner_only,
    removing_a_passkey_needs_the_password_and_ends_other_sessions,
    an_account_can_have_a_passkey_and_no_password,
    the_last_way_in_cannot_be_removed,
    without_a_password_a_change_needs_a_recent_sign_in,
    one_account_has_at_most_ten_passkeys,
);
