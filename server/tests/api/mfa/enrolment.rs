//! Enrolment: set-up needs the password and does nothing until a code confirms it; confirming
//! answers ten recovery codes once, ends every other session, and shows in the account.

use serde_json::json;

use super::{enrolled, server, set_up, App, PASSWORD};
use crate::helpers::sessions::session_from;
use crate::helpers::{assert_error, json_with_status, Backend};

async fn set_up_needs_the_password_and_is_inactive_until_confirmed(backend: Backend) {
    let server = server(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;
    let bearer = &session.access_token;

    let wrong = json!({ "password": "wrong horse" });
    let response = server
        .post_bearer("/api/auth/mfa/totp/setup", bearer, &wrong)
        .await;
    assert_error(response, 401, "invalid_credentials").await;

    let setup = set_up(&server, bearer).await;
    let secret = setup["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32, "160 bits, base32");
    let url = setup["otpauth_url"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/Tokengate:alice?secret="),
        "{url}"
    );
    assert!(url.contains(&format!("secret={secret}")), "{url}");
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));

    // Not on yet: the password alone still logs in.
    session_from(server.login("alice", PASSWORD).await, 200).await;
    let account = json_with_status(server.get_bearer("/api/account", bearer).await, 200).await;
    assert_eq!(account["mfa_enabled"], false);
    assert_eq!(account["recovery_codes_left"], 0);
}

async fn confirming_with_a_code_turns_it_on_with_ten_recovery_codes(backend: Backend) {
    let server = server(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;
    let bearer = &session.access_token;
    let setup = set_up(&server, bearer).await;
    let mut app = App::new(setup["secret"].as_str().unwrap());

    let wrong = json!({ "code": "000000" });
    let response = server
        .post_bearer("/api/auth/mfa/totp/confirm", bearer, &wrong)
        .await;
    assert_error(response, 401, "invalid_mfa_code").await;
    let body = json!({ "code": app.code() });
    let response = server
        .post_bearer("/api/auth/mfa/totp/confirm", bearer, &body)
        .await;

    let codes = json_with_status(response, 200).await;
    let codes = codes["recovery_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    let mut unique: Vec<_> = codes.iter().map(|c| c.as_str().unwrap()).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10);
    let account = json_with_status(server.get_bearer("/api/account", bearer).await, 200).await;
    assert_eq!(account["mfa_enabled"], true);
    assert_eq!(account["recovery_codes_left"], 10);
    // Stored hashed only.
    let stored = server.sql("SELECT code_hash FROM recovery_codes");
    assert!(
        !stored.contains(unique[0]),
        "a recovery code is stored in plaintext"
    );
}

async fn a_second_set_up_is_409_while_the_factor_is_on(backend: Backend) {
    let server = server(backend).await;
    let alice = enrolled(&server).await;

    let body = json!({ "password": PASSWORD });
    let response = server
        .post_bearer(
            "/api/auth/mfa/totp/setup",
            &alice.session.access_token,
            &body,
        )
        .await;

    assert_error(response, 409, "mfa_already_enabled").await;
}

async fn turning_it_on_ends_every_other_session(backend: Backend) {
    let server = server(backend).await;
    let other = server.signup_session("alice", PASSWORD).await;
    let session = server.login_session("alice", PASSWORD).await;
    let setup = set_up(&server, &session.access_token).await;
    let mut app = App::new(setup["secret"].as_str().unwrap());

    let body = json!({ "code": app.code() });
    let confirm = server
        .post_bearer("/api/auth/mfa/totp/confirm", &session.access_token, &body)
        .await;
    json_with_status(confirm, 200).await;

    let refresh = server.refresh(Some(&other.refresh_token)).await;
    assert_error(refresh, 401, "invalid_refresh_token").await;
    server.refreshed(&session.refresh_token).await;
}

async fn the_secret_is_sealed_with_a_key_encryption_key(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let kek = dir.path().join("kek");
    std::fs::write(&kek, "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&kek, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let kek = kek.display().to_string();
    let env = [
        ("TOKENGATE_KEY_ENCRYPTION_KEY_FILE", kek.as_str()),
        ("TOKENGATE_LOGIN_MAX_FAILURES", "20"),
    ];
    let server = crate::helpers::TestServer::spawn_with(backend, &env).await;
    let session = server.signup_session("alice", PASSWORD).await;

    let setup = set_up(&server, &session.access_token).await;

    let stored = server.sql("SELECT secret FROM totp_factors");
    assert!(stored.trim().starts_with("enc:v1:"), "{stored}");
    assert!(!stored.contains(setup["secret"].as_str().unwrap()));
    // And it still works: the sealed secret opens to the one the app has.
    let mut app = App::new(setup["secret"].as_str().unwrap());
    let body = json!({ "code": app.code() });
    let confirm = server
        .post_bearer("/api/auth/mfa/totp/confirm", &session.access_token, &body)
        .await;
    json_with_status(confirm, 200).await;
}

on_both_backends!(
    set_up_needs_the_password_and_is_inactive_until_confirmed,
    confirming_with_a_code_turns_it_on_with_ten_recovery_codes,
    a_second_set_up_is_409_while_the_factor_is_on,
    turning_it_on_ends_every_other_session,
    the_secret_is_sealed_with_a_key_encryption_key,
);
