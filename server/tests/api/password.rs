//! `POST /api/auth/password`: the current password is required, the new one must meet the
//! policy, and a change ends every other session of the user.

use serde_json::{json, Value};

use crate::helpers::sessions::alice_on_three_devices;
use crate::helpers::{assert_error, json_with_status, Backend, TestServer};

const PASSWORD: &str = "correct horse";
const NEW_PASSWORD: &str = "battery staple";

async fn change_password(server: &TestServer, bearer: &str, current: &str, new: &str) -> Value {
    let body = json!({ "current_password": current, "new_password": new });
    let response = server
        .post_bearer("/api/auth/password", bearer, &body)
        .await;
    json_with_status(response, 200).await
}

async fn password_change_with_a_wrong_current_password_is_401_invalid_credentials(
    backend: Backend,
) {
    let server = TestServer::spawn_on(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;
    let body = json!({ "current_password": "wrong horse", "new_password": NEW_PASSWORD });

    let response = server.post_bearer("/api/auth/password", &session.access_token, &body);

    assert_error(response.await, 401, "invalid_credentials").await;
    json_with_status(server.login("alice", PASSWORD).await, 200).await;
}

async fn password_change_to_a_weak_password_is_422_weak_password(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;
    let body = json!({ "current_password": PASSWORD, "new_password": "short" });

    let response = server.post_bearer("/api/auth/password", &session.access_token, &body);

    assert_error(response.await, 422, "weak_password").await;
    json_with_status(server.login("alice", PASSWORD).await, 200).await;
}

async fn password_change_ends_the_other_sessions_and_keeps_this_one(backend: Backend) {
    let (server, [first, current, third]) = alice_on_three_devices(backend, PASSWORD).await;

    let body = change_password(&server, &current.access_token, PASSWORD, NEW_PASSWORD).await;

    assert_eq!(body, json!({ "ended": 2 }));
    for session in [&first, &third] {
        let refresh = server.refresh(Some(&session.refresh_token)).await;
        assert_error(refresh, 401, "invalid_refresh_token").await;
    }
    let refreshed = server.refreshed(&current.refresh_token).await;
    assert_eq!(refreshed.sid(), current.sid());
}

async fn password_change_replaces_the_password_for_login(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;

    change_password(&server, &session.access_token, PASSWORD, NEW_PASSWORD).await;

    let old = server.login("alice", PASSWORD).await;
    assert_error(old, 401, "invalid_credentials").await;
    json_with_status(server.login("alice", NEW_PASSWORD).await, 200).await;
}

async fn stored_hash_is_upgraded_to_the_configured_argon2_parameters_at_login(backend: Backend) {
    let weak = [
        ("TOKENGATE_ARGON2_MEMORY_KIB", "8192"),
        ("TOKENGATE_ARGON2_ITERATIONS", "1"),
    ];
    let server = TestServer::spawn_with(backend, &weak).await;
    server.signup_session("alice", PASSWORD).await;
    let (storage, _) = server.stop().await;
    let owasp = [
        ("TOKENGATE_ARGON2_MEMORY_KIB", "19456"),
        ("TOKENGATE_ARGON2_ITERATIONS", "2"),
    ];
    let server = TestServer::start(storage, &owasp).await;
    let hash = || server.sql("SELECT password_hash FROM users WHERE username_key = 'alice'");
    assert!(
        hash().starts_with("$argon2id$v=19$m=8192,t=1,p=1$"),
        "{}",
        hash()
    );

    json_with_status(server.login("alice", PASSWORD).await, 200).await;

    assert!(
        hash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        hash()
    );
    json_with_status(server.login("alice", PASSWORD).await, 200).await;
}

on_both_backends!(
    stored_hash_is_upgraded_to_the_configured_argon2_parameters_at_login,
    password_change_with_a_wrong_current_password_is_401_invalid_credentials,
    password_change_to_a_weak_password_is_422_weak_password,
    password_change_ends_the_other_sessions_and_keeps_this_one,
    password_change_replaces_the_password_for_login,
);
