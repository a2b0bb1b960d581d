//! Adding a passkey: step-up first, then a single-use, short-lived ceremony bound to the account,
//! answered for this relying party and origin only.

use serde_json::json;

use super::{
    add_passkey, origin_of, register_finish, register_start, server, Authenticator, PASSWORD,
};
use crate::helpers::{assert_error, json_with_status, Backend};

async fn a_passkey_is_added_listed_and_recorded(backend: Backend) {
    let server = server(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let mut authenticator = Authenticator::new(&server);

    let added = add_passkey(&server, &alice, &mut authenticator, "  Laptop  ").await;

    assert_eq!(added["name"], "Laptop");
    assert!(added["last_used_at"].is_null());
    let list = server
        .get_bearer("/api/auth/passkeys", &alice.access_token)
        .await;
    let list = json_with_status(list, 200).await;
    assert_eq!(list["has_password"], true);
    let passkeys = list["passkeys"].as_array().unwrap();
    assert_eq!(passkeys.len(), 1);
    assert_eq!(passkeys[0]["id"], added["id"]);
    let mut keys: Vec<&str> = passkeys[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["created_at", "id", "last_used_at", "name"]);

    let events = server
        .get_bearer("/api/account/events", &alice.access_token)
        .await;
    let events = json_with_status(events, 200).await;
    let added_event = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "passkey_added")
        .expect("a passkey_added event");
    assert_eq!(added_event["session_id"], alice.sid());
}

async fn the_options_are_standard_json_for_this_relying_party(backend: Backend) {
    let server = server(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;

    let started = register_start(&server, &alice).await;

    assert_eq!(started["ceremony"].as_str().unwrap().len(), 43);
    let options = &started["options"]["publicKey"];
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["user"]["name"], "alice");
    let selection = &options["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    assert_eq!(selection["userVerification"], "required");
    assert!(options["challenge"].as_str().unwrap().len() >= 43);
    let text = started["options"].to_string();
    assert!(!text.contains("null"), "null members: {text}");
    // Only the hash of the ceremony id is stored.
    let stored = server.sql("SELECT id_hash FROM webauthn_ceremonies");
    assert_ne!(stored.trim(), started["ceremony"].as_str().unwrap());
    assert_eq!(stored.trim().len(), 64);
}

async fn adding_a_passkey_needs_the_password(backend: Backend) {
    let server = server(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let path = "/api/auth/passkeys/register/start";

    let wrong = json!({ "password": "wrong horse" });
    let wrong = server.post_bearer(path, &alice.access_token, &wrong).await;
    assert_error(wrong, 401, "invalid_credentials").await;
    let none = server
        .post_bearer(path, &alice.access_token, &json!({}))
        .await;
    assert_error(none, 401, "invalid_credentials").await;
    let anonymous = super::post(&server, path, &json!({ "password": PASSWORD })).await;
    assert_error(anonymous, 401, "invalid_token").await;
}

async fn a_registration_ceremony_is_single_use(backend: Backend) {
    let server = server(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let mut authenticator = Authenticator::new(&server);
    let started = register_start(&server, &alice).await;
    let credential = authenticator.register(&started["options"]);

    let first = register_finish(&server, &alice, &started["ceremony"], &credential, "A").await;
    json_with_status(first, 201).await;
    let again = register_finish(&server, &alice, &started["ceremony"], &credential, "A").await;

    assert_error(again, 400, "invalid_ceremony").await;
}

async fn an_expired_registration_ceremony_is_refused(backend: Backend) {
    let server = server(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let mut authenticator = Authenticator::new(&server);
    let started = register_start(&server, &alice).await;
    let lifetime = server.sql("SELECT expires_at - created_at FROM webauthn_ceremonies");
    assert_eq!(lifetime.trim(), "300");
    let credential = authenticator.register(&started["options"]);

    server.sql("UPDATE webauthn_ceremonies SET expires_at = created_at");
    let late = register_finish(&server, &alice, &started["ceremony"], &credential, "A").await;

    assert_error(late, 400, "invalid_ceremony").await;
    assert_eq!(server.sql("SELECT COUNT(*) FROM passkeys").trim(), "0");
}

async fn a_ceremony_belongs_to_the_account_that_started_it(backend: Backend) {
    let server = server(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let bob = server.signup_session("bob", PASSWORD).await;
    let mut authenticator = Authenticator::new(&server);
    let started = register_start(&server, &alice).await;
    let credential = authenticator.register(&started["options"]);

    let stolen = register_finish(&server, &bob, &started["ceremony"], &credential, "A").await;

    assert_error(stolen, 400, "invalid_ceremony").await;
    assert_eq!(server.sql("SELECT COUNT(*) FROM passkeys").trim(), "0");
}

async fn an_answer_for_another_origin_is_refused(backend: Backend) {
    let server = server(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let mut authenticator = Authenticator::new(&server);
    let started = register_start(&server, &alice).await;

    let phished = authenticator.register_from(&started["options"], "http://login.evil.example");
    let response = register_finish(&server, &alice, &started["ceremony"], &phished, "A").await;

    assert_error(response, 401, "invalid_passkey").await;
    assert_eq!(server.sql("SELECT COUNT(*) FROM passkeys").trim(), "0");
}

async fn an_answer_for_another_rp_id_is_refused(backend: Backend) {
    let server = server(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let mut authenticator = Authenticator::new(&server);
    let started = register_start(&server, &alice).await;

    let other = authenticator.register_for_rp(&started["options"], "evil.example");
    let response = register_finish(&server, &alice, &started["ceremony"], &other, "A").await;

    assert_error(response, 401, "invalid_passkey").await;
    assert_eq!(origin_of(&server).host_str(), Some("localhost"));
}

async fn what_is_not_a_credential_is_invalid_input(backend: Backend) {
    let server = server(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let started = register_start(&server, &alice).await;

    for credential in [json!({ "id": "x" }), json!("text"), json!([1, 2])] {
        let started = register_start(&server, &alice).await;
        let response =
            register_finish(&server, &alice, &started["ceremony"], &credential, "A").await;
        assert_error(response, 400, "invalid_input").await;
    }
    let long_name = "x".repeat(65);
    let mut authenticator = Authenticator::new(&server);
    let credential = authenticator.register(&started["options"]);
    let response = register_finish(
        &server,
        &alice,
        &started["ceremony"],
        &credential,
        &long_name,
    )
    .await;
    assert_error(response, 400, "invalid_input").await;
}

async fn passkeys_are_off_when_the_public_url_is_an_ip_address(backend: Backend) {
    let env = [("TOKENGATE_PUBLIC_URL", "http://127.0.0.1:3000")];
    let server = crate::helpers::TestServer::spawn_with(backend, &env).await;
    let alice = server.signup_session("alice", PASSWORD).await;

    let body = json!({ "password": PASSWORD });
    let path = "/api/auth/passkeys/register/start";
    let register = server.post_bearer(path, &alice.access_token, &body).await;
    assert_error(register, 503, "passkeys_unavailable").await;
    let sign_in = super::post(&server, "/api/auth/passkeys/login/start", &json!({})).await;
    assert_error(sign_in, 503, "passkeys_unavailable").await;
}

on_both_backends!(
    a_passkey_is_added_listed_and_recorded,
    the_options_are_standard_json_for_this_relying_party,
    adding_a_passkey_needs_the_password,
    a_registration_ceremony_is_single_use,
    an_expired_registration_ceremony_is_refused,
    a_ceremony_belongs_to_the_account_that_started_it,
    an_answer_for_another_origin_is_refused,
    an_answer_for_another_rp_id_is_refused,
    what_is_not_a_credential_is_invalid_input,
    passkeys_are_off_when_the_public_url_is_an_ip_address,
);
