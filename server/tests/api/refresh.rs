//! `POST /api/auth/refresh` and the `tg_refresh` cookie: its attributes, rotation, the reuse
//! grace window, theft detection, concurrent exchanges, and the idle and absolute lifetimes.

use std::time::Duration;

use reqwest::header::COOKIE;
use serde_json::json;
use tokio::time::{sleep, sleep_until, Instant};

use crate::helpers::sessions::{assert_refresh_cookie_cleared, cookie_value, refresh_set_cookie};
use crate::helpers::sessions::{session_from, start_of_next_second};
use crate::helpers::{assert_error, assert_invalid_token, Backend, TestServer};

const PASSWORD: &str = "correct horse";

async fn login_sets_an_httponly_strict_refresh_cookie_scoped_to_api_auth(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signed_up("alice", PASSWORD).await;

    let response = server.login("alice", PASSWORD).await;

    let session = session_from(response, 200).await;
    let token = &session.refresh_token;
    assert_eq!(token.len(), 43, "256 bits in base64url: {token}");
    let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    assert!(token.bytes().all(base64url), "{token}");
    let expected =
        format!("tg_refresh={token}; HttpOnly; SameSite=Strict; Path=/api/auth; Max-Age=2592000");
    assert_eq!(session.cookie, expected);
    assert!(!session.body.to_string().contains(token.as_str()));
}

async fn signup_sets_the_refresh_cookie_and_a_sid_claim(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server.signup("alice", PASSWORD).await;

    let session = session_from(response, 201).await;
    assert_eq!(cookie_value(&session.cookie).len(), 43);
    assert!(!session.sid().is_empty());
}

async fn refresh_returns_a_new_token_of_the_same_session_and_rotates_the_cookie(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let first = server.signup_session("alice", PASSWORD).await;

    let response = server.refresh(Some(&first.refresh_token)).await;

    let second = session_from(response, 200).await;
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_ne!(second.access_token, first.access_token);
    assert_eq!(second.sid(), first.sid());
    assert_eq!(second.body["token_type"], "Bearer");
    assert_eq!(second.body["expires_in"], 900);
    assert_eq!(second.body["user"], first.body["user"]);
    let max_age = second.cookie.rsplit("Max-Age=").next().expect("Max-Age");
    let max_age: i64 = max_age.parse().expect("Max-Age is a number");
    assert!(
        (2_592_000 - 5..=2_592_000).contains(&max_age),
        "{}",
        second.cookie
    );
}

async fn refresh_without_a_cookie_is_401_invalid_refresh_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server.refresh(None).await;

    assert_error(response, 401, "invalid_refresh_token").await;
}

async fn refresh_with_an_unknown_cookie_is_401_invalid_refresh_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signup_session("alice", PASSWORD).await;

    let response = server.refresh(Some(&"A".repeat(43))).await;

    assert_error(response, 401, "invalid_refresh_token").await;
}

/// The browser should drop a refresh token the server refuses (`Max-Age=0`).
async fn refused_refresh_token_is_cleared_from_the_browser(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signup_session("alice", PASSWORD).await;

    let response = server.refresh(Some(&"A".repeat(43))).await;

    assert_refresh_cookie_cleared(&response);
}

async fn retired_token_within_the_grace_window_gets_the_same_successor(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let first = server.signup_session("alice", PASSWORD).await;
    let second = server.refreshed(&first.refresh_token).await;

    let again = server.refreshed(&first.refresh_token).await;

    assert_eq!(again.refresh_token, second.refresh_token);
    assert_eq!(again.sid(), second.sid());
}

async fn reuse_after_the_grace_window_revokes_the_whole_session(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[("TOKENGATE_REFRESH_REUSE_GRACE_SECS", "1")]);
    let server = server.await;
    let first = server.signup_session("alice", PASSWORD).await;
    let newest = server.refreshed(&first.refresh_token).await;
    sleep(Duration::from_millis(2200)).await;
    let reused = server.refresh(Some(&first.refresh_token)).await;
    assert_error(reused, 401, "refresh_token_reused").await;

    let refresh = server.refresh(Some(&newest.refresh_token)).await;
    let logout_all = server
        .post_bearer("/api/auth/logout-all", &newest.access_token, &json!({}))
        .await;

    assert_error(refresh, 401, "invalid_refresh_token").await;
    assert_invalid_token(logout_all).await;
}

async fn fifty_concurrent_refreshes_of_one_token_rotate_exactly_once(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let first = server.signup_session("alice", PASSWORD).await;
    let cookie = format!("tg_refresh={}", first.refresh_token);
    let url = server.url("/api/auth/refresh");

    let exchanges: Vec<_> = (0..50)
        .map(|_| {
            let request = server.client.post(&url).header(COOKIE, &cookie);
            let request = request.header(reqwest::header::CONTENT_TYPE, "application/json");
            tokio::spawn(async move {
                let response = request.send().await.expect("refresh request failed");
                let status = response.status().as_u16();
                (
                    status,
                    refresh_set_cookie(&response).map(|c| cookie_value(&c).to_owned()),
                )
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for exchange in exchanges {
        outcomes.push(exchange.await.expect("task"));
    }

    let successor = outcomes[0].1.clone().expect("a new cookie");
    assert_ne!(successor, first.refresh_token);
    let expected = vec![(200, Some(successor.clone())); 50];
    assert_eq!(outcomes, expected);
    let next = server.refreshed(&successor).await;
    assert_ne!(next.refresh_token, successor);
}

async fn session_idle_longer_than_the_idle_timeout_is_401_invalid_refresh_token(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[("TOKENGATE_REFRESH_IDLE_SECS", "2")]).await;
    let session = server.signup_session("alice", PASSWORD).await;
    sleep(Duration::from_millis(2200)).await;

    let response = server.refresh(Some(&session.refresh_token)).await;

    assert_error(response, 401, "invalid_refresh_token").await;
}

/// Refreshes every second keep the session from going idle (2 s) until its absolute end (3 s).
async fn session_past_its_absolute_lifetime_is_401_even_when_kept_busy(backend: Backend) {
    let env = [
        ("TOKENGATE_REFRESH_IDLE_SECS", "2"),
        ("TOKENGATE_REFRESH_ABSOLUTE_SECS", "3"),
    ];
    let server = TestServer::spawn_with(backend, &env).await;
    start_of_next_second().await;
    let start = Instant::now();
    let mut session = server.signup_session("alice", PASSWORD).await;
    for second in 1..=2 {
        sleep_until(start + Duration::from_secs(second)).await;
        session = server.refreshed(&session.refresh_token).await;
        assert!(session.cookie.ends_with(&format!("Max-Age={}", 3 - second)));
    }
    sleep_until(start + Duration::from_millis(3200)).await;

    let response = server.refresh(Some(&session.refresh_token)).await;

    assert_error(response, 401, "invalid_refresh_token").await;
}

on_both_backends!(
    login_sets_an_httponly_strict_refresh_cookie_scoped_to_api_auth,
    signup_sets_the_refresh_cookie_and_a_sid_claim,
    refresh_returns_a_new_token_of_the_same_session_and_rotates_the_cookie,
    refresh_without_a_cookie_is_401_invalid_refresh_token,
    refresh_with_an_unknown_cookie_is_401_invalid_refresh_token,
    refused_refresh_token_is_cleared_from_the_browser,
    retired_token_within_the_grace_window_gets_the_same_successor,
    reuse_after_the_grace_window_revokes_the_whole_session,
    fifty_concurrent_refreshes_of_one_token_rotate_exactly_once,
    session_idle_longer_than_the_idle_timeout_is_401_invalid_refresh_token,
    session_past_its_absolute_lifetime_is_401_even_when_kept_busy,
);
