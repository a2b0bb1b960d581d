//! Logging in with a factor: a correct password earns only an `mfa_token`; a code finishes the
//! login; the token is bound, short-lived, single use and dies after five wrong codes; wrong codes
//! count in the login throttle; recovery codes work once and end the other sessions.

use serde_json::{json, Value};

use super::{enrolled, mfa_token, server, verify, PASSWORD};
use crate::helpers::sessions::{refresh_set_cookie, session_from};
use crate::helpers::{assert_error, json_with_status, Backend, TestServer};
use crate::tokens::segment;

async fn the_right_password_answers_403_mfa_required_and_no_session(backend: Backend) {
    let server = server(backend).await;
    enrolled(&server).await;

    let response = server.login("alice", PASSWORD).await;

    assert!(refresh_set_cookie(&response).is_none(), "a cookie was set");
    let body = json_with_status(response, 403).await;
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["error", "message", "methods", "mfa_token"]);
    assert_eq!(body["error"], "mfa_required");
    assert_eq!(body["methods"], json!(["totp", "recovery_code"]));
    assert_eq!(body["mfa_token"].as_str().unwrap().len(), 43);
}

async fn a_wrong_password_answers_exactly_as_without_a_factor(backend: Backend) {
    let server = server(backend).await;
    enrolled(&server).await;
    server.signup_session("bob", PASSWORD).await;

    let alice = server.login("alice", "wrong horse").await;
    let bob = server.login("bob", "wrong horse").await;

    let alice = assert_error(alice, 401, "invalid_credentials").await;
    let bob = assert_error(bob, 401, "invalid_credentials").await;
    assert_eq!(alice, bob);
}

async fn a_code_finishes_the_login_and_the_session_says_how(backend: Backend) {
    let server = server(backend).await;
    let mut alice = enrolled(&server).await;
    let token = mfa_token(&server).await;

    let response = verify(
        &server,
        &json!({ "mfa_token": token, "code": alice.app.code() }),
    )
    .await;

    let session = session_from(response, 200).await;
    let claims = segment(&session.access_token, 1);
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
    json_with_status(server.me(&session.access_token).await, 200).await;
    // Kept across refreshes of that session.
    let refreshed = server.refreshed(&session.refresh_token).await;
    assert_eq!(
        segment(&refreshed.access_token, 1)["amr"],
        json!(["pwd", "otp", "mfa"])
    );
    // A password-only session says so too.
    let plain = server.signup_session("bob", PASSWORD).await;
    assert_eq!(segment(&plain.access_token, 1)["amr"], json!(["pwd"]));
}

async fn an_mfa_token_is_single_use(backend: Backend) {
    let server = server(backend).await;
    let mut alice = enrolled(&server).await;
    let token = mfa_token(&server).await;
    let first = verify(
        &server,
        &json!({ "mfa_token": token, "code": alice.app.code() }),
    )
    .await;
    session_from(first, 200).await;

    let again = verify(
        &server,
        &json!({ "mfa_token": token, "code": alice.app.code() }),
    )
    .await;

    assert_error(again, 401, "invalid_mfa_token").await;
}

async fn a_code_passes_once_in_its_step(backend: Backend) {
    let server = server(backend).await;
    let mut alice = enrolled(&server).await;
    let token = mfa_token(&server).await;
    let code = alice.app.code();
    session_from(
        verify(&server, &json!({ "mfa_token": token, "code": code })).await,
        200,
    )
    .await;

    let token = mfa_token(&server).await;
    let replay = verify(&server, &json!({ "mfa_token": token, "code": code })).await;

    assert_error(replay, 401, "invalid_mfa_code").await;
}

async fn an_mfa_token_dies_after_five_wrong_codes(backend: Backend) {
    let server = server(backend).await;
    let mut alice = enrolled(&server).await;
    let token = mfa_token(&server).await;

    for _ in 0..5 {
        let wrong = verify(&server, &json!({ "mfa_token": token, "code": "000000" })).await;
        assert_error(wrong, 401, "invalid_mfa_code").await;
    }
    let right = verify(
        &server,
        &json!({ "mfa_token": token, "code": alice.app.code() }),
    )
    .await;

    assert_error(right, 401, "invalid_mfa_token").await;
}

async fn an_mfa_token_expires(backend: Backend) {
    let server = server(backend).await;
    let mut alice = enrolled(&server).await;
    let token = mfa_token(&server).await;
    let lifetime = server.sql("SELECT expires_at - created_at FROM mfa_challenges");
    assert_eq!(lifetime.trim(), "300");

    server.sql("UPDATE mfa_challenges SET expires_at = created_at");

    let late = verify(
        &server,
        &json!({ "mfa_token": token, "code": alice.app.code() }),
    )
    .await;
    assert_error(late, 401, "invalid_mfa_token").await;
}

async fn an_mfa_token_is_bound_to_the_password_it_was_earned_with(backend: Backend) {
    let server = server(backend).await;
    let mut alice = enrolled(&server).await;
    let token = mfa_token(&server).await;
    // The password changes (from the enrolment session, with a code) before the code arrives.
    let body = json!({ "current_password": PASSWORD, "new_password": "battery staple",
                       "code": alice.app.code() });
    let change = server
        .post_bearer("/api/auth/password", &alice.session.access_token, &body)
        .await;
    json_with_status(change, 200).await;

    let late = verify(
        &server,
        &json!({ "mfa_token": token, "code": alice.app.code() }),
    )
    .await;

    assert_error(late, 401, "invalid_mfa_token").await;
}

async fn wrong_codes_count_against_the_accounts_login_throttle(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[("TOKENGATE_LOGIN_MAX_FAILURES", "3")]).await;
    enrolled(&server).await;
    // The password attempt counts 1 (a correct password does not clear the count while a code
    // is outstanding), each wrong code one more: the third locks.
    let token = mfa_token(&server).await;
    for _ in 0..2 {
        let wrong = verify(&server, &json!({ "mfa_token": token, "code": "000000" })).await;
        assert_error(wrong, 401, "invalid_mfa_code").await;
    }

    let locked = server.login("alice", PASSWORD).await;

    assert_error(locked, 429, "too_many_attempts").await;
}

async fn a_recovery_code_logs_in_once_and_ends_every_other_session(backend: Backend) {
    let server = server(backend).await;
    let alice = enrolled(&server).await;
    let code = alice.recovery_codes[3].to_uppercase().replace('-', " ");

    let token = mfa_token(&server).await;
    let response = verify(
        &server,
        &json!({ "mfa_token": token, "recovery_code": code }),
    )
    .await;

    let session = session_from(response, 200).await;
    let refresh = server.refresh(Some(&alice.session.refresh_token)).await;
    assert_error(refresh, 401, "invalid_refresh_token").await;
    let account = server
        .get_bearer("/api/account", &session.access_token)
        .await;
    assert_eq!(
        json_with_status(account, 200).await["recovery_codes_left"],
        9
    );
    let token = mfa_token(&server).await;
    let again = verify(
        &server,
        &json!({ "mfa_token": token, "recovery_code": code }),
    )
    .await;
    assert_error(again, 401, "invalid_mfa_code").await;
}

async fn verify_needs_exactly_one_of_code_and_recovery_code(backend: Backend) {
    let server = server(backend).await;
    let alice = enrolled(&server).await;
    let token = mfa_token(&server).await;

    let neither: Value = json!({ "mfa_token": token });
    assert_error(verify(&server, &neither).await, 400, "invalid_input").await;
    let both =
        json!({ "mfa_token": token, "code": "123456", "recovery_code": alice.recovery_codes[0] });
    assert_error(verify(&server, &both).await, 400, "invalid_input").await;
    let unknown = json!({ "mfa_token": "A".repeat(43), "code": "123456" });
    assert_error(verify(&server, &unknown).await, 401, "invalid_mfa_token").await;
}

on_both_backends!(
    the_right_password_answers_403_mfa_required_and_no_session,
    a_wrong_password_answers_exactly_as_without_a_factor,
    a_code_finishes_the_login_and_the_session_says_how,
    an_mfa_token_is_single_use,
    a_code_passes_once_in_its_step,
    an_mfa_token_dies_after_five_wrong_codes,
    an_mfa_token_expires,
    an_mfa_token_is_bound_to_the_password_it_was_earned_with,
    wrong_codes_count_against_the_accounts_login_throttle,
    a_recovery_code_logs_in_once_and_ends_every_other_session,
    verify_needs_exactly_one_of_code_and_recovery_code,
);
