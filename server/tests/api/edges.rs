//! The smaller edges: re-authentication is throttled per session and never blocked by a locked
//! login, request ids are the server's own unless the client's looks like one, `/api/account`
//! checks the session, and load beyond the concurrency limit is shed.

use reqwest::header::HeaderValue;
use serde_json::json;

use crate::helpers::{
    assert_error, assert_invalid_token, header, json_with_status, Backend, TestServer,
};

const PASSWORD: &str = "correct horse";
const WRONG: &str = "wrong horse";

async fn a_locked_login_does_not_block_the_owners_password_change(backend: Backend) {
    let env = [
        ("TOKENGATE_LOGIN_MAX_FAILURES", "3"),
        ("TOKENGATE_LOGIN_LOCKOUT_SECS", "600"),
    ];
    let server = TestServer::spawn_with(backend, &env).await;
    let owner = server.signup_session("alice", PASSWORD).await;
    // Someone else guesses alice's password until her login is locked.
    for _ in 0..3 {
        assert_error(
            server.login("alice", WRONG).await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    assert_error(
        server.login("alice", PASSWORD).await,
        429,
        "too_many_attempts",
    )
    .await;

    let body = json!({ "current_password": PASSWORD, "new_password": "correct horse two" });
    let changed = server
        .post_bearer("/api/auth/password", &owner.access_token, &body)
        .await;
    json_with_status(changed, 200).await;
}

async fn wrong_passwords_at_reauthentication_are_throttled_per_session(backend: Backend) {
    let env = [
        ("TOKENGATE_LOGIN_MAX_FAILURES", "3"),
        ("TOKENGATE_LOGIN_LOCKOUT_SECS", "600"),
    ];
    let server = TestServer::spawn_with(backend, &env).await;
    let thief = server.signup_session("alice", PASSWORD).await;
    let owner = server.login_session("alice", PASSWORD).await;
    let guess = json!({ "current_password": WRONG, "new_password": "correct horse two" });
    for _ in 0..2 {
        let response = server
            .post_bearer("/api/auth/password", &thief.access_token, &guess)
            .await;
        assert_error(response, 401, "invalid_credentials").await;
    }
    // The third counted guess takes the lock; after it even the right password waits.
    let third = server
        .post_bearer("/api/auth/password", &thief.access_token, &guess)
        .await;
    assert_error(third, 401, "invalid_credentials").await;
    let right = json!({ "current_password": PASSWORD, "new_password": "correct horse two" });
    let locked = server
        .post_bearer("/api/auth/password", &thief.access_token, &right)
        .await;
    assert_error(locked, 429, "too_many_attempts").await;
    // Neither the login nor the account's other sessions are locked by it.
    let login = server.login("alice", PASSWORD).await;
    json_with_status(login, 200).await;
    let by_owner = server
        .post_bearer("/api/auth/password", &owner.access_token, &right)
        .await;
    json_with_status(by_owner, 200).await;
}

async fn request_ids_are_kept_only_when_they_look_like_ids(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let with_id = |id: &'static str| {
        let request = server.client.get(server.url("/healthz"));
        request
            .header("x-request-id", HeaderValue::from_static(id))
            .send()
    };

    let kept = with_id("req-123.abc_9").await.unwrap();
    assert_eq!(
        header(kept.headers(), "x-request-id"),
        Some("req-123.abc_9")
    );
    let long = "a".repeat(65);
    for bad in ["two words", "<script>", "line\tbreak", long.as_str()] {
        let request = server.client.get(server.url("/healthz"));
        let response = request.header("x-request-id", bad).send().await.unwrap();
        let id = header(response.headers(), "x-request-id").unwrap();
        assert_ne!(id, bad);
        assert_eq!(id.len(), 36, "a server-made UUID: {id}");
    }
}

async fn account_details_need_a_live_session(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;
    let before = server
        .get_bearer("/api/account", &session.access_token)
        .await;
    json_with_status(before, 200).await;

    server.logout(Some(&session.refresh_token), None).await;

    let after = server
        .get_bearer("/api/account", &session.access_token)
        .await;
    assert_invalid_token(after).await;
}

/// One request in flight is the limit here: a second one is shed at once with 503 and
/// `Retry-After`, not queued behind it; once the first ends, requests are served again.
async fn requests_beyond_the_concurrency_limit_are_shed_with_503(backend: Backend) {
    use tokio::io::AsyncWriteExt;

    let env = [("TOKENGATE_MAX_CONCURRENT_REQUESTS", "1")];
    let server = TestServer::spawn_with(backend, &env).await;
    let address = server.address.trim_start_matches("http://").to_owned();
    // A login whose body never finishes holds the one slot while its body is read.
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
    slow.write_all(head.as_bytes()).await.unwrap();

    // Once the server is reading that body (polled, so a loaded machine cannot make this flaky),
    // every other request is shed at once.
    let shed = status_within(&server, 503).await;
    assert_eq!(header(shed.headers(), "retry-after"), Some("1"));
    assert_error(shed, 503, "overloaded").await;

    drop(slow);
    let served = status_within(&server, 200).await;
    json_with_status(served, 200).await;
}

/// Polls `GET /healthz` until it answers `status` (at most 10 s).
async fn status_within(server: &TestServer, status: u16) -> reqwest::Response {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let response = server.get("/healthz").await;
        if response.status().as_u16() == status {
            return response;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "/healthz never answered {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

on_both_backends!(
    requests_beyond_the_concurrency_limit_are_shed_with_503,
    a_locked_login_does_not_block_the_owners_password_change,
    wrong_passwords_at_reauthentication_are_throttled_per_session,
    request_ids_are_kept_only_when_they_look_like_ids,
    account_details_need_a_live_session,
);
