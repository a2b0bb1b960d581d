//! A passkey as the second step of a password login: the password earns an `mfa_token` whose
//! `methods` list `passkey`, and only an assertion by one of the account's own passkeys finishes.

use serde_json::{json, Value};

use super::{alice_with_passkey, post, server, Authenticator, PASSWORD};
use crate::helpers::sessions::session_from;
use crate::helpers::{assert_error, json_with_status, Backend, TestServer};
use crate::tokens::segment;

async fn mfa_token(server: &TestServer) -> (String, Value) {
    let response = server.login("alice", PASSWORD).await;
    let body = json_with_status(response, 403).await;
    (body["mfa_token"].as_str().unwrap().to_owned(), body)
}

async fn start(server: &TestServer, token: &str) -> Value {
    let body = json!({ "mfa_token": token });
    json_with_status(
        post(server, "/api/auth/mfa/passkey/start", &body).await,
        200,
    )
    .await
}

async fn finish(
    server: &TestServer,
    token: &str,
    started: &Value,
    credential: &Value,
) -> reqwest::Response {
    let body =
        json!({ "mfa_token": token, "ceremony": started["ceremony"], "credential": credential });
    post(server, "/api/auth/mfa/passkey/finish", &body).await
}

async fn with_a_passkey_the_password_asks_for_it(backend: Backend) {
    let server = server(backend).await;
    alice_with_passkey(&server).await;

    let (_, body) = mfa_token(&server).await;

    assert_eq!(body["error"], "mfa_required");
    assert_eq!(body["methods"], json!(["passkey"]));
}

async fn a_passkey_finishes_the_password_login(backend: Backend) {
    let server = server(backend).await;
    let (_, mut authenticator) = alice_with_passkey(&server).await;
    let (token, _) = mfa_token(&server).await;
    let started = start(&server, &token).await;
    let allowed = started["options"]["publicKey"]["allowCredentials"]
        .as_array()
        .unwrap();
    assert_eq!(allowed.len(), 1);

    let credential = authenticator.assert(&started["options"]);
    let response = finish(&server, &token, &started, &credential).await;

    let session = session_from(response, 200).await;
    assert_eq!(
        segment(&session.access_token, 1)["amr"],
        json!(["pwd", "hwk", "mfa"])
    );
    // The mfa_token is used up.
    let again = post(
        &server,
        "/api/auth/mfa/passkey/start",
        &json!({ "mfa_token": token }),
    )
    .await;
    assert_error(again, 401, "invalid_mfa_token").await;
}

async fn another_accounts_passkey_does_not_finish_it(backend: Backend) {
    let server = server(backend).await;
    alice_with_passkey(&server).await;
    let bob = server.signup_session("bob", PASSWORD).await;
    let mut bobs = Authenticator::new(&server);
    super::add_passkey(&server, &bob, &mut bobs, "Bob's key").await;
    let (token, _) = mfa_token(&server).await;
    let started = start(&server, &token).await;

    let (bobs_id, bobs_handle) = bobs.first();
    let mut options = started["options"].clone();
    options["publicKey"]["allowCredentials"] = json!([]);
    let credential = bobs.assert_with(&options, &bobs_id, Some(&bobs_handle));
    let response = finish(&server, &token, &started, &credential).await;

    assert_error(response, 401, "invalid_passkey").await;
}

async fn the_ceremony_needs_a_live_mfa_token(backend: Backend) {
    let server = server(backend).await;
    alice_with_passkey(&server).await;
    for token in ["A".repeat(43), "short".to_owned()] {
        let body = json!({ "mfa_token": token });
        let response = post(&server, "/api/auth/mfa/passkey/start", &body).await;
        assert_error(response, 401, "invalid_mfa_token").await;
    }
}

async fn with_totp_and_a_passkey_every_method_is_listed(backend: Backend) {
    let server = crate::passkeys::server(backend).await;
    let enrolled = crate::mfa::enrolled(&server).await;
    let mut authenticator = Authenticator::new(&server);
    let path = "/api/auth/passkeys/register/start";
    let mut app = enrolled.app;
    let body = json!({ "password": PASSWORD, "code": app.code() });
    let started = server
        .post_bearer(path, &enrolled.session.access_token, &body)
        .await;
    let started = json_with_status(started, 200).await;
    let credential = authenticator.register(&started["options"]);
    let added = super::register_finish(
        &server,
        &enrolled.session,
        &started["ceremony"],
        &credential,
        "Key",
    )
    .await;
    json_with_status(added, 201).await;

    let (_, body) = mfa_token(&server).await;

    assert_eq!(body["methods"], json!(["totp", "recovery_code", "passkey"]));
    // Adding one with TOTP on needs a current code too.
    let without_code = json!({ "password": PASSWORD });
    let refused = server
        .post_bearer(path, &enrolled.session.access_token, &without_code)
        .await;
    assert_error(refused, 401, "invalid_mfa_code").await;
}

on_both_backends!(
    with_a_passkey_the_password_asks_for_it,
    a_passkey_finishes_the_password_login,
    another_accounts_passkey_does_not_finish_it,
    the_ceremony_needs_a_live_mfa_token,
    with_totp_and_a_passkey_every_method_is_listed,
);
