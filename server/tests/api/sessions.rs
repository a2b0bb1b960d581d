//! Ending sessions and listing them: `POST /api/auth/logout`, `POST /api/auth/logout-all`,
//! `GET /api/auth/sessions`, `DELETE /api/auth/sessions/{id}`, `POST /api/auth/sessions/end`,
//! and `POST /api/auth/sessions/end-others`.

use serde_json::{json, Value};

use crate::helpers::sessions::{alice_on_three_devices, assert_refresh_cookie_cleared};
use crate::helpers::{assert_error, assert_invalid_token, json_with_status, Backend, TestServer};

const PASSWORD: &str = "correct horse";

fn ended(count: u64) -> Value {
    json!({ "ended": count })
}

fn ids(sessions: &[Value]) -> Vec<&str> {
    sessions
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect()
}

async fn logout_with_the_cookie_is_200_logged_out_and_clears_the_cookie(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;

    let response = server.logout(Some(&session.refresh_token), None).await;

    assert_refresh_cookie_cleared(&response);
    let body = json_with_status(response, 200).await;
    assert_eq!(body, json!({ "logged_out": true }));
}

async fn refresh_token_after_logout_is_401_invalid_refresh_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;
    server.logout(Some(&session.refresh_token), None).await;

    let response = server.refresh(Some(&session.refresh_token)).await;

    assert_error(response, 401, "invalid_refresh_token").await;
}

/// `/api/me` is stateless (the token answers there until its `exp`); the sessions list checks
/// that the token's session is still live.
async fn access_token_after_logout_reads_me_but_not_the_sessions_list(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;
    server.logout(Some(&session.refresh_token), None).await;

    let me = server.me(&session.access_token).await;
    let sessions = server
        .get_bearer("/api/auth/sessions", &session.access_token)
        .await;

    assert_eq!(json_with_status(me, 200).await["username"], "alice");
    assert_invalid_token(sessions).await;
}

async fn logout_without_a_cookie_ends_the_session_of_the_bearer_token(backend: Backend) {
    let (server, [first, second, _]) = alice_on_three_devices(backend, PASSWORD).await;

    let response = server.logout(None, Some(&first.access_token)).await;

    json_with_status(response, 200).await;
    let refresh = server.refresh(Some(&first.refresh_token)).await;
    assert_error(refresh, 401, "invalid_refresh_token").await;
    server.refreshed(&second.refresh_token).await;
}

async fn logout_all_ends_every_session_of_the_user(backend: Backend) {
    let (server, sessions) = alice_on_three_devices(backend, PASSWORD).await;
    let bob = server.signup_session("bob", PASSWORD).await;

    let response = server
        .post_bearer(
            "/api/auth/logout-all",
            &sessions[0].access_token,
            &json!({}),
        )
        .await;

    assert_refresh_cookie_cleared(&response);
    assert_eq!(json_with_status(response, 200).await, ended(3));
    for session in &sessions {
        let refresh = server.refresh(Some(&session.refresh_token)).await;
        assert_error(refresh, 401, "invalid_refresh_token").await;
    }
    server.refreshed(&bob.refresh_token).await;
}

async fn sessions_list_shows_each_session_once_with_the_caller_current(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signed_up("alice", PASSWORD).await;
    let laptop = server
        .login_with_agent("alice", PASSWORD, "laptop/1.0")
        .await;
    let phone = server
        .login_with_agent("alice", PASSWORD, "phone/2.0")
        .await;

    let listed = server.sessions_of(&phone.access_token).await;

    assert_eq!(listed.len(), 3, "{listed:?}");
    let current: Vec<&Value> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "{listed:?}");
    assert_eq!(current[0]["id"], phone.sid().as_str());
    assert_eq!(current[0]["user_agent"], "phone/2.0");
    let other = listed.iter().find(|s| s["id"] == laptop.sid().as_str());
    let other = other.expect("the laptop session is listed");
    assert_eq!(other["user_agent"], "laptop/1.0");
    assert_eq!(other["current"], false);
    let created_at = other["created_at"]
        .as_i64()
        .expect("created_at is an integer");
    assert!(other["last_used_at"].as_i64() >= Some(created_at));
}

async fn delete_session_ends_another_session_of_the_caller(backend: Backend) {
    let (server, [caller, other, _]) = alice_on_three_devices(backend, PASSWORD).await;
    let path = format!("/api/auth/sessions/{}", other.sid());

    let response = server.delete_bearer(&path, &caller.access_token).await;

    assert_eq!(json_with_status(response, 200).await, ended(1));
    let refresh = server.refresh(Some(&other.refresh_token)).await;
    assert_error(refresh, 401, "invalid_refresh_token").await;
    let listed = server.sessions_of(&caller.access_token).await;
    assert!(!ids(&listed).contains(&other.sid().as_str()), "{listed:?}");
    assert_eq!(listed.len(), 2);
}

async fn delete_of_another_users_session_ends_nothing(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let bob = server.signup_session("bob", PASSWORD).await;
    let path = format!("/api/auth/sessions/{}", bob.sid());

    let response = server.delete_bearer(&path, &alice.access_token).await;

    assert_eq!(json_with_status(response, 200).await, ended(0));
    server.refreshed(&bob.refresh_token).await;
    assert_eq!(server.sessions_of(&bob.access_token).await.len(), 1);
}

async fn post_sessions_end_ends_another_session_of_the_caller(backend: Backend) {
    let (server, [caller, other, _]) = alice_on_three_devices(backend, PASSWORD).await;
    let body = json!({ "id": other.sid() });

    let response = server
        .post_bearer("/api/auth/sessions/end", &caller.access_token, &body)
        .await;

    assert_eq!(json_with_status(response, 200).await, ended(1));
    let refresh = server.refresh(Some(&other.refresh_token)).await;
    assert_error(refresh, 401, "invalid_refresh_token").await;
}

async fn post_sessions_end_of_another_users_session_ends_nothing(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let alice = server.signup_session("alice", PASSWORD).await;
    let bob = server.signup_session("bob", PASSWORD).await;
    let body = json!({ "id": bob.sid() });

    let response = server
        .post_bearer("/api/auth/sessions/end", &alice.access_token, &body)
        .await;

    assert_eq!(json_with_status(response, 200).await, ended(0));
    server.refreshed(&bob.refresh_token).await;
}

async fn end_others_keeps_only_the_current_session(backend: Backend) {
    let (server, [first, current, third]) = alice_on_three_devices(backend, PASSWORD).await;

    let response = server
        .post_bearer(
            "/api/auth/sessions/end-others",
            &current.access_token,
            &json!({}),
        )
        .await;

    assert_eq!(json_with_status(response, 200).await, ended(2));
    for session in [&first, &third] {
        let refresh = server.refresh(Some(&session.refresh_token)).await;
        assert_error(refresh, 401, "invalid_refresh_token").await;
    }
    let listed = server.sessions_of(&current.access_token).await;
    assert_eq!(ids(&listed), [current.sid().as_str()]);
}

async fn session_endpoints_without_a_token_are_401_invalid_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;
    let client = &server.client;
    let own = server.url(&format!("/api/auth/sessions/{}", session.sid()));
    let requests = [
        client.get(server.url("/api/auth/sessions")),
        client.delete(own),
        client
            .post(server.url("/api/auth/sessions/end"))
            .json(&json!({ "id": session.sid() })),
        client.post(server.url("/api/auth/sessions/end-others")),
        client.post(server.url("/api/auth/logout-all")),
    ];

    for request in requests {
        assert_invalid_token(request.send().await.expect("request failed")).await;
    }

    server.refreshed(&session.refresh_token).await;
}

async fn idle_session_leaves_the_sessions_list(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[("TOKENGATE_REFRESH_IDLE_SECS", "2")]).await;
    let idle = server.signup_session("alice", PASSWORD).await;
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let fresh = server.login_session("alice", PASSWORD).await;

    let listed = server.sessions_of(&fresh.access_token).await;

    assert_eq!(ids(&listed), [fresh.sid().as_str()]);
    let idle_list = server
        .get_bearer("/api/auth/sessions", &idle.access_token)
        .await;
    assert_invalid_token(idle_list).await;
}

on_both_backends!(
    logout_with_the_cookie_is_200_logged_out_and_clears_the_cookie,
    refresh_token_after_logout_is_401_invalid_refresh_token,
    access_token_after_logout_reads_me_but_not_the_sessions_list,
    logout_without_a_cookie_ends_the_session_of_the_bearer_token,
    logout_all_ends_every_session_of_the_user,
    sessions_list_shows_each_session_once_with_the_caller_current,
    delete_session_ends_another_session_of_the_caller,
    delete_of_another_users_session_ends_nothing,
    post_sessions_end_ends_another_session_of_the_caller,
    post_sessions_end_of_another_users_session_ends_nothing,
    end_others_keeps_only_the_current_session,
    session_endpoints_without_a_token_are_401_invalid_token,
    idle_session_leaves_the_sessions_list,
);
