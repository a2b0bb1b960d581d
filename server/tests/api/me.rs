//! `GET /api/me`, `POST /api/me` and `GET /api/account`: the bearer-token protected endpoints.

use reqwest::header::AUTHORIZATION;
use serde_json::json;

use crate::helpers::{assert_invalid_token, json_with_status, now_unix, Backend, TestServer};

async fn get_me_returns_the_user_of_the_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let signed_up = server.signed_up("alice", "correct horse").await;
    let token = signed_up["access_token"].as_str().expect("token");

    let response = server.me(token).await;

    let body = json_with_status(response, 200).await;
    let user = &signed_up["user"];
    let expected = json!({ "id": user["id"], "username": user["username"], "role": "user" });
    assert_eq!(body, expected);
}

async fn post_me_answers_like_get_me(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let token = server.token_for("alice", "correct horse").await;
    let via_get = json_with_status(server.me(&token).await, 200).await;

    let request = server
        .client
        .post(server.url("/api/me"))
        .bearer_auth(&token);
    let response = request.send().await.expect("POST /api/me failed");

    assert_eq!(json_with_status(response, 200).await, via_get);
}

async fn me_without_an_authorization_header_is_401_invalid_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server.get("/api/me").await;

    assert_invalid_token(response).await;
}

async fn post_me_without_an_authorization_header_is_401_invalid_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server.client.post(server.url("/api/me")).send().await;

    assert_invalid_token(response.expect("POST /api/me failed")).await;
}

async fn me_with_a_garbage_bearer_token_is_401_invalid_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server.me("garbage").await;

    assert_invalid_token(response).await;
}

async fn me_with_a_non_bearer_scheme_is_401_invalid_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let token = server.token_for("alice", "correct horse").await;

    let request = server.client.get(server.url("/api/me"));
    let response = request
        .header(AUTHORIZATION, format!("Basic {token}"))
        .send()
        .await;

    assert_invalid_token(response.expect("GET /api/me failed")).await;
}

async fn account_returns_the_stored_account_with_its_creation_time(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let signed_up = server.signed_up("alice", "correct horse").await;
    let token = signed_up["access_token"].as_str().expect("token");

    let request = server
        .client
        .get(server.url("/api/account"))
        .bearer_auth(token);
    let response = request.send().await.expect("GET /api/account failed");

    let body = json_with_status(response, 200).await;
    assert_eq!(body["id"], signed_up["user"]["id"]);
    assert_eq!(body["username"], "alice");
    assert_eq!(body["role"], "user");
    let created_at = body["created_at"]
        .as_i64()
        .expect("created_at is an integer");
    assert!(
        (created_at - now_unix()).abs() <= 60,
        "created_at {created_at} is not now"
    );
}

async fn account_without_a_token_is_401_invalid_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server.get("/api/account").await;

    assert_invalid_token(response).await;
}

on_both_backends!(
    get_me_returns_the_user_of_the_token,
    post_me_answers_like_get_me,
    me_without_an_authorization_header_is_401_invalid_token,
    post_me_without_an_authorization_header_is_401_invalid_token,
    me_with_a_garbage_bearer_token_is_401_invalid_token,
    me_with_a_non_bearer_scheme_is_401_invalid_token,
    account_returns_the_stored_account_with_its_creation_time,
    account_without_a_token_is_401_invalid_token,
);
