//! The JSON API boundary: bad requests get a stable 4xx `{"error","message"}`, never a 5xx.

use serde_json::json;

use crate::helpers::{assert_error, Backend, TestServer};

const JSON: &str = "application/json";

async fn malformed_json_is_400_invalid_json(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server
        .post_raw(
            "/api/auth/signup",
            JSON,
            r#"{"username": "alice", "password": "#,
        )
        .await;

    assert_error(response, 400, "invalid_json").await;
}

async fn json_with_a_missing_field_is_400_invalid_input(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server
        .post_raw("/api/auth/signup", JSON, r#"{"username": "alice"}"#)
        .await;

    assert_error(response, 400, "invalid_input").await;
}

async fn json_with_wrong_field_types_is_400_invalid_input(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server
        .post_raw(
            "/api/auth/login",
            JSON,
            r#"{"username": 42, "password": true}"#,
        )
        .await;

    assert_error(response, 400, "invalid_input").await;
}

async fn json_array_body_is_400_invalid_input(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server
        .post_raw("/api/auth/signup", JSON, r#"["alice", "correct horse"]"#)
        .await;

    assert_error(response, 400, "invalid_input").await;
}

async fn form_encoded_body_is_415_unsupported_media_type(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let form = "application/x-www-form-urlencoded";

    let response = server
        .post_raw("/api/auth/login", form, "username=alice&password=secret123")
        .await;

    assert_error(response, 415, "unsupported_media_type").await;
}

async fn body_of_100_kb_is_413_payload_too_large(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let padding = "x".repeat(100 * 1024);
    let body = json!({ "username": "alice", "password": "correct horse", "padding": padding });

    let response = server
        .post_raw("/api/auth/signup", JSON, body.to_string())
        .await;

    assert_error(response, 413, "payload_too_large").await;
}

async fn megabyte_password_in_valid_json_is_413_payload_too_large(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let body = json!({ "username": "alice", "password": "p".repeat(1024 * 1024) });

    let response = server
        .post_raw("/api/auth/login", JSON, body.to_string())
        .await;

    assert_error(response, 413, "payload_too_large").await;
}

async fn deeply_nested_json_is_400_invalid_json(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let nested = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let body = format!(r#"{{"username": {nested}, "password": "correct horse"}}"#);

    let response = server.post_raw("/api/auth/signup", JSON, body).await;

    assert_error(response, 400, "invalid_json").await;
}

async fn get_on_a_post_endpoint_is_405_method_not_allowed(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server.get("/api/auth/login").await;

    assert_error(response, 405, "method_not_allowed").await;
}

async fn unknown_api_path_is_404_not_found(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server.get("/api/nope").await;

    assert_error(response, 404, "not_found").await;
}

async fn post_to_an_unknown_api_path_is_404_not_found(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server.post_raw("/api/nope", JSON, "{}").await;

    assert_error(response, 404, "not_found").await;
}

async fn api_root_is_a_json_404_not_found(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    assert_error(server.get("/api/").await, 404, "not_found").await;
    assert_error(server.post_raw("/api/", JSON, "{}").await, 404, "not_found").await;
}

async fn head_on_a_protected_endpoint_without_a_token_is_401_not_400(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server
        .client
        .head(server.url("/api/me"))
        .send()
        .await
        .expect("HEAD");

    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
}

on_both_backends!(
    api_root_is_a_json_404_not_found,
    head_on_a_protected_endpoint_without_a_token_is_401_not_400,
    malformed_json_is_400_invalid_json,
    json_with_a_missing_field_is_400_invalid_input,
    json_with_wrong_field_types_is_400_invalid_input,
    json_array_body_is_400_invalid_input,
    form_encoded_body_is_415_unsupported_media_type,
    body_of_100_kb_is_413_payload_too_large,
    megabyte_password_in_valid_json_is_413_payload_too_large,
    deeply_nested_json_is_400_invalid_json,
    get_on_a_post_endpoint_is_405_method_not_allowed,
    unknown_api_path_is_404_not_found,
    post_to_an_unknown_api_path_is_404_not_found,
);
