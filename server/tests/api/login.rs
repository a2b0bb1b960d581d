//! `POST /api/auth/login` and `POST /api/auth/logout`.

use std::collections::BTreeMap;

use reqwest::Response;
use serde_json::json;

use crate::helpers::{assert_error, json_with_status, Backend, TestServer};

async fn login_with_correct_credentials_returns_200_with_a_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let signed_up = server.signed_up("alice", "correct horse").await;

    let response = server.login("alice", "correct horse").await;

    let body = json_with_status(response, 200).await;
    assert!(body["access_token"]
        .as_str()
        .is_some_and(|t| t.split('.').count() == 3));
    assert_ne!(body["access_token"], signed_up["access_token"]);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"], signed_up["user"]);
}

async fn login_with_a_wrong_password_is_401_invalid_credentials(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signed_up("alice", "correct horse").await;

    let response = server.login("alice", "wrong horse").await;

    let body = assert_error(response, 401, "invalid_credentials").await;
    let expected = json!({
        "error": "invalid_credentials",
        "message": "Invalid username or password",
    });
    assert_eq!(body, expected);
}

async fn login_of_an_unknown_user_looks_exactly_like_a_wrong_password(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signed_up("alice", "correct horse").await;

    let wrong_password = server.login("alice", "wrong horse").await;
    let unknown_user = server.login("mallory", "wrong horse").await;

    let (wrong_status, wrong_headers, wrong_body) = comparable(wrong_password).await;
    let (unknown_status, unknown_headers, unknown_body) = comparable(unknown_user).await;
    assert_eq!(wrong_status, 401);
    assert_eq!(unknown_status, wrong_status);
    assert_eq!(unknown_body, wrong_body);
    assert_eq!(unknown_headers, wrong_headers);
}

async fn login_is_case_insensitive_on_the_username(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let signed_up = server.signed_up("Alice", "correct horse").await;

    let response = server.login("aLICE", "correct horse").await;

    let body = json_with_status(response, 200).await;
    assert_eq!(body["user"], signed_up["user"]);
    assert_eq!(body["user"]["username"], "Alice");
}

async fn login_is_case_sensitive_on_the_password(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signed_up("alice", "correct horse").await;

    let response = server.login("alice", "CORRECT HORSE").await;

    assert_error(response, 401, "invalid_credentials").await;
}

async fn users_can_still_log_in_after_a_restart(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let signed_up = server.signed_up("alice", "correct horse").await;
    let (storage, _) = server.stop().await;
    let restarted = TestServer::start(storage, &[]).await;

    let response = restarted.login("alice", "correct horse").await;

    let body = json_with_status(response, 200).await;
    assert_eq!(body["user"], signed_up["user"]);
}

async fn logout_with_an_empty_json_body_returns_200_logged_out(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server
        .client
        .post(server.url("/api/auth/logout"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .send()
        .await;

    let response = response.expect("logout request failed");
    assert_eq!(
        json_with_status(response, 200).await,
        json!({ "logged_out": true })
    );
}

/// Status, headers (without the values of `date` and `x-request-id`) and body text.
async fn comparable(response: Response) -> (u16, BTreeMap<String, String>, String) {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = match name.as_str() {
                "date" | "x-request-id" => String::new(),
                _ => value.to_str().unwrap_or("<binary>").to_owned(),
            };
            (name.as_str().to_owned(), value)
        })
        .collect();
    let body = response.text().await.expect("body is readable");
    (status, headers, body)
}

on_both_backends!(
    login_with_correct_credentials_returns_200_with_a_token,
    login_with_a_wrong_password_is_401_invalid_credentials,
    login_of_an_unknown_user_looks_exactly_like_a_wrong_password,
    login_is_case_insensitive_on_the_username,
    login_is_case_sensitive_on_the_password,
    users_can_still_log_in_after_a_restart,
    logout_with_an_empty_json_body_returns_200_logged_out,
);
