//! Passwordless sign-in: a discoverable credential answers a ceremony that names no account; the
//! answer is a login. Unknown credentials and counters that go backwards are refused and
//! recorded; ceremonies are single use, expire, and the unauthenticated ones are bounded.

use serde_json::{json, Value};

use super::{alice_with_passkey, server, sign_in_finish, sign_in_start, Authenticator, PASSWORD};
use crate::helpers::sessions::{refresh_set_cookie, session_from};
use crate::helpers::{assert_error, json_with_status, Backend, TestServer};
use crate::tokens::segment;

async fn events_of(server: &TestServer, bearer: &str) -> Vec<Value> {
    let events = server.get_bearer("/api/account/events", bearer).await;
    json_with_status(events, 200)
        .await
        .as_array()
        .unwrap()
        .clone()
}

async fn a_passkey_signs_in_without_a_username(backend: Backend) {
    let server = server(backend).await;
    let (alice, mut authenticator) = alice_with_passkey(&server).await;
    let started = sign_in_start(&server).await;
    assert_eq!(
        started["options"]["publicKey"]["allowCredentials"],
        json!([])
    );
    assert_eq!(
        started["options"]["publicKey"]["userVerification"],
        "required"
    );

    let credential = authenticator.assert(&started["options"]);
    let response = sign_in_finish(&server, &started["ceremony"], &credential).await;

    assert!(refresh_set_cookie(&response).is_some(), "no refresh cookie");
    let session = session_from(response, 200).await;
    let claims = segment(&session.access_token, 1);
    assert_eq!(claims["amr"], json!(["hwk", "mfa"]));
    assert_eq!(claims["sub"], segment(&alice.access_token, 1)["sub"]);
    let me = json_with_status(server.me(&session.access_token).await, 200).await;
    assert_eq!(me["username"], "alice");
    let list = server
        .get_bearer("/api/auth/passkeys", &session.access_token)
        .await;
    let list = json_with_status(list, 200).await;
    assert!(list["passkeys"][0]["last_used_at"].as_i64().unwrap() > 0);
    let events = events_of(&server, &session.access_token).await;
    assert_eq!(events[0]["kind"], "login_succeeded");
    assert_eq!(events[0]["session_id"], session.sid());
}

async fn a_sign_in_ceremony_is_single_use(backend: Backend) {
    let server = server(backend).await;
    let (_, mut authenticator) = alice_with_passkey(&server).await;
    let started = sign_in_start(&server).await;
    let credential = authenticator.assert(&started["options"]);

    let first = sign_in_finish(&server, &started["ceremony"], &credential).await;
    json_with_status(first, 200).await;
    let replayed = sign_in_finish(&server, &started["ceremony"], &credential).await;

    assert_error(replayed, 400, "invalid_ceremony").await;
}

async fn an_expired_sign_in_ceremony_is_refused(backend: Backend) {
    let server = server(backend).await;
    let (_, mut authenticator) = alice_with_passkey(&server).await;
    let started = sign_in_start(&server).await;
    let credential = authenticator.assert(&started["options"]);

    server.sql("UPDATE webauthn_ceremonies SET expires_at = created_at");
    let late = sign_in_finish(&server, &started["ceremony"], &credential).await;

    assert_error(late, 400, "invalid_ceremony").await;
    let unknown = sign_in_finish(&server, &json!("A".repeat(43)), &credential).await;
    assert_error(unknown, 400, "invalid_ceremony").await;
}

async fn a_credential_of_another_account_is_refused_and_recorded(backend: Backend) {
    let server = server(backend).await;
    let (alice, alice_authenticator) = alice_with_passkey(&server).await;
    let bob = server.signup_session("bob", PASSWORD).await;
    let mut bobs = Authenticator::new(&server);
    super::add_passkey(&server, &bob, &mut bobs, "Bob's key").await;

    // Bob's key, claiming to be Alice's.
    let (bobs_id, _) = bobs.first();
    let (_, alice_handle) = alice_authenticator.first();
    let started = sign_in_start(&server).await;
    let forged = bobs.assert_with(&started["options"], &bobs_id, Some(&alice_handle));
    let response = sign_in_finish(&server, &started["ceremony"], &forged).await;

    assert_error(response, 401, "invalid_passkey").await;
    let events = events_of(&server, &alice.access_token).await;
    assert_eq!(events[0]["kind"], "passkey_refused");
    assert_eq!(events[0]["reason"], "unknown_credential");
    // An answer without a user handle names nobody.
    let started = sign_in_start(&server).await;
    let anonymous = bobs.assert_with(&started["options"], &bobs_id, None);
    let response = sign_in_finish(&server, &started["ceremony"], &anonymous).await;
    assert_error(response, 401, "invalid_passkey").await;
}

/// Sets the stored signature counter of every passkey to `value`.
fn set_stored_counter(server: &TestServer, value: u64) {
    let rows = server.sql("SELECT id, passkey FROM passkeys");
    for line in rows.lines().filter(|l| !l.is_empty()) {
        let (id, json) = line.split_once('|').expect("id|passkey");
        let mut passkey: Value = serde_json::from_str(json).expect("stored passkey is JSON");
        fn set(v: &mut Value, value: u64) -> bool {
            match v {
                Value::Object(map) => {
                    if let Some(c) = map.get_mut("counter") {
                        *c = json!(value);
                        return true;
                    }
                    map.values_mut().any(|v| set(v, value))
                }
                _ => false,
            }
        }
        assert!(set(&mut passkey, value), "no counter in {json}");
        let text = passkey.to_string().replace('\'', "''");
        server.sql(&format!(
            "UPDATE passkeys SET passkey = '{text}' WHERE id = '{id}'"
        ));
    }
}

async fn a_counter_that_goes_backwards_is_refused_and_recorded(backend: Backend) {
    let server = server(backend).await;
    let (alice, mut authenticator) = alice_with_passkey(&server).await;
    let started = sign_in_start(&server).await;
    let credential = authenticator.assert(&started["options"]);
    json_with_status(
        sign_in_finish(&server, &started["ceremony"], &credential).await,
        200,
    )
    .await;

    // As if a clone of the key had signed 1000 times already.
    set_stored_counter(&server, 1000);
    let started = sign_in_start(&server).await;
    let credential = authenticator.assert(&started["options"]);
    let response = sign_in_finish(&server, &started["ceremony"], &credential).await;

    assert_error(response, 401, "invalid_passkey").await;
    let events = events_of(&server, &alice.access_token).await;
    assert_eq!(events[0]["kind"], "passkey_refused");
    assert_eq!(events[0]["reason"], "counter_regression");
}

async fn a_disabled_account_gets_no_session(backend: Backend) {
    let server = server(backend).await;
    let (_, mut authenticator) = alice_with_passkey(&server).await;
    server.sql("UPDATE users SET disabled_at = 1 WHERE username = 'alice'");
    let started = sign_in_start(&server).await;
    let credential = authenticator.assert(&started["options"]);

    let response = sign_in_finish(&server, &started["ceremony"], &credential).await;

    assert!(refresh_set_cookie(&response).is_none());
    assert_error(response, 403, "account_disabled").await;
}

async fn open_sign_in_ceremonies_are_bounded(backend: Backend) {
    let env = [("TOKENGATE_PASSKEY_MAX_OPEN_CEREMONIES", "3")];
    let server = TestServer::spawn_with(backend, &env).await;
    for _ in 0..3 {
        sign_in_start(&server).await;
    }

    let refused = super::post(&server, "/api/auth/passkeys/login/start", &json!({})).await;
    assert_eq!(
        refused
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("60")
    );
    assert_error(refused, 503, "overloaded").await;
    assert_eq!(
        server
            .sql("SELECT COUNT(*) FROM webauthn_ceremonies")
            .trim(),
        "3"
    );

    // Expired ones make room (the pruner deletes them).
    server.sql("UPDATE webauthn_ceremonies SET expires_at = created_at");
    sign_in_start(&server).await;
    let now = "(SELECT MAX(created_at) FROM webauthn_ceremonies)";
    let live = format!("SELECT COUNT(*) FROM webauthn_ceremonies WHERE expires_at > {now}");
    assert_eq!(server.sql(&live).trim(), "1");
}

on_both_backends!(
    a_passkey_signs_in_without_a_username,
    a_sign_in_ceremony_is_single_use,
    an_expired_sign_in_ceremony_is_refused,
    a_credential_of_another_account_is_refused_and_recorded,
    a_counter_that_goes_backwards_is_refused_and_recorded,
    a_disabled_account_gets_no_session,
    open_sign_in_ceremonies_are_bounded,
);
