//! Step-up: with a factor on, a stolen session (even with the password) cannot remove the factor
//! or change credentials without a current code.

use serde_json::json;

use super::{enrolled, mfa_token, server, verify, PASSWORD};
use crate::helpers::sessions::session_from;
use crate::helpers::{assert_error, json_with_status, Backend};

const NEW_PASSWORD: &str = "battery staple";

async fn turning_the_factor_off_needs_the_password_and_a_code(backend: Backend) {
    let server = server(backend).await;
    let mut alice = enrolled(&server).await;
    let bearer = alice.session.access_token.clone();

    let no_code = json!({ "password": PASSWORD, "code": "" });
    let response = server
        .post_bearer("/api/auth/mfa/totp/disable", &bearer, &no_code)
        .await;
    assert_error(response, 401, "invalid_mfa_code").await;
    let wrong_password = json!({ "password": "wrong horse", "code": alice.app.code() });
    let response = server
        .post_bearer("/api/auth/mfa/totp/disable", &bearer, &wrong_password)
        .await;
    assert_error(response, 401, "invalid_credentials").await;

    let body = json!({ "password": PASSWORD, "code": alice.app.code() });
    let response = server
        .post_bearer("/api/auth/mfa/totp/disable", &bearer, &body)
        .await;

    assert_eq!(
        json_with_status(response, 200).await,
        json!({ "mfa_enabled": false })
    );
    let account = json_with_status(server.get_bearer("/api/account", &bearer).await, 200).await;
    assert_eq!(account["mfa_enabled"], false);
    assert_eq!(account["recovery_codes_left"], 0);
    session_from(server.login("alice", PASSWORD).await, 200).await;
    let again = server
        .post_bearer("/api/auth/mfa/totp/disable", &bearer, &body)
        .await;
    assert_error(again, 409, "mfa_not_enabled").await;
}

async fn turning_it_off_ends_every_other_session(backend: Backend) {
    let server = server(backend).await;
    let mut alice = enrolled(&server).await;
    let token = mfa_token(&server).await;
    let other = verify(
        &server,
        &json!({ "mfa_token": token, "code": alice.app.code() }),
    )
    .await;
    let other = session_from(other, 200).await;

    let body = json!({ "password": PASSWORD, "code": alice.app.code() });
    let response = server
        .post_bearer(
            "/api/auth/mfa/totp/disable",
            &alice.session.access_token,
            &body,
        )
        .await;
    json_with_status(response, 200).await;

    let refresh = server.refresh(Some(&other.refresh_token)).await;
    assert_error(refresh, 401, "invalid_refresh_token").await;
    server.refreshed(&alice.session.refresh_token).await;
}

async fn a_password_change_needs_a_code_too(backend: Backend) {
    let server = server(backend).await;
    let mut alice = enrolled(&server).await;
    let bearer = &alice.session.access_token;

    let without = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });
    let response = server
        .post_bearer("/api/auth/password", bearer, &without)
        .await;
    assert_error(response, 401, "invalid_mfa_code").await;
    let with = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD,
                       "code": alice.app.code() });
    let response = server
        .post_bearer("/api/auth/password", bearer, &with)
        .await;

    json_with_status(response, 200).await;
    let login = server.login("alice", NEW_PASSWORD).await;
    assert_eq!(json_with_status(login, 403).await["error"], "mfa_required");
}

async fn deleting_the_account_and_changing_the_address_need_a_code(backend: Backend) {
    let server = server(backend).await;
    let alice = enrolled(&server).await;
    let bearer = &alice.session.access_token;

    let body = json!({ "email": "alice@example.com", "password": PASSWORD });
    let response = server
        .post_bearer("/api/account/email", bearer, &body)
        .await;
    assert_error(response, 401, "invalid_mfa_code").await;
    let body = json!({ "password": PASSWORD });
    let response = server
        .post_bearer("/api/account/delete", bearer, &body)
        .await;
    assert_error(response, 401, "invalid_mfa_code").await;

    // A recovery code serves as the code.
    let body = json!({ "password": PASSWORD, "code": alice.recovery_codes[0] });
    let response = server
        .post_bearer("/api/account/delete", bearer, &body)
        .await;
    json_with_status(response, 200).await;
    let gone = server.login("alice", PASSWORD).await;
    assert_error(gone, 401, "invalid_credentials").await;
}

async fn new_recovery_codes_replace_the_old_set(backend: Backend) {
    let server = server(backend).await;
    let mut alice = enrolled(&server).await;
    let bearer = &alice.session.access_token;

    let without = json!({ "password": PASSWORD, "code": "" });
    let response = server
        .post_bearer("/api/auth/mfa/recovery-codes", bearer, &without)
        .await;
    assert_error(response, 401, "invalid_mfa_code").await;
    let body = json!({ "password": PASSWORD, "code": alice.app.code() });
    let response = server
        .post_bearer("/api/auth/mfa/recovery-codes", bearer, &body)
        .await;

    let fresh = json_with_status(response, 200).await;
    let fresh = fresh["recovery_codes"].as_array().unwrap();
    assert_eq!(fresh.len(), 10);
    let token = mfa_token(&server).await;
    let old = json!({ "mfa_token": token, "recovery_code": alice.recovery_codes[0] });
    assert_error(verify(&server, &old).await, 401, "invalid_mfa_code").await;
    let new = json!({ "mfa_token": token, "recovery_code": fresh[0] });
    session_from(verify(&server, &new).await, 200).await;
}

on_both_backends!(
    turning_the_factor_off_needs_the_password_and_a_code,
    turning_it_off_ends_every_other_session,
    a_password_change_needs_a_code_too,
    deleting_the_account_and_changing_the_address_need_a_code,
    new_recovery_codes_replace_the_old_set,
);
