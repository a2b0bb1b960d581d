//! Access-token verification: tampering, expiry, foreign keys, issuer/audience, persistence,
//! and the documented header and claims.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

use crate::helpers::{assert_invalid_token, json_with_status, Backend, Storage, TestServer};

/// The JSON of one of the token's first two segments (0 = header, 1 = claims).
pub fn segment(token: &str, index: usize) -> Value {
    let part = token
        .split('.')
        .nth(index)
        .expect("token has three segments");
    let bytes = URL_SAFE_NO_PAD.decode(part).expect("segment is base64url");
    serde_json::from_slice(&bytes).expect("segment is JSON")
}

async fn token_with_a_tampered_payload_is_401_invalid_token(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let token = server.token_for("alice", "correct horse").await;
    let mut claims = segment(&token, 1);
    claims["username"] = "admin".into();
    claims["role"] = "admin".into();
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = format!("{}.{payload}.{}", parts[0], parts[2]);

    let response = server.me(&tampered).await;

    assert_invalid_token(response).await;
}

async fn expired_token_is_401_invalid_token(backend: Backend) {
    let env = [
        ("TOKENGATE_ACCESS_TOKEN_TTL_SECS", "2"),
        ("TOKENGATE_JWT_LEEWAY_SECS", "0"),
    ];
    let server = TestServer::spawn_with(backend, &env).await;
    let token = server.token_for("alice", "correct horse").await;
    json_with_status(server.me(&token).await, 200).await;
    tokio::time::sleep(Duration::from_millis(3500)).await;

    let response = server.me(&token).await;

    assert_invalid_token(response).await;
}

async fn token_from_another_server_instance_is_401_invalid_token(backend: Backend) {
    let issuer = TestServer::spawn_on(backend).await;
    let verifier = TestServer::spawn_on(backend).await;
    let token = issuer.token_for("alice", "correct horse").await;

    let response = verifier.me(&token).await;

    assert_invalid_token(response).await;
}

async fn token_for_another_audience_is_401_invalid_token(backend: Backend) {
    let (token, storage) = issue_then_stop(backend).await;
    let server = TestServer::start(storage, &[("TOKENGATE_JWT_AUDIENCE", "other")]).await;

    let response = server.me(&token).await;

    assert_invalid_token(response).await;
}

async fn token_from_another_issuer_is_401_invalid_token(backend: Backend) {
    let (token, storage) = issue_then_stop(backend).await;
    let server = TestServer::start(storage, &[("TOKENGATE_JWT_ISSUER", "other")]).await;

    let response = server.me(&token).await;

    assert_invalid_token(response).await;
}

async fn token_stays_valid_across_a_restart(backend: Backend) {
    let (token, storage) = issue_then_stop(backend).await;
    let server = TestServer::start(storage, &[]).await;

    let response = server.me(&token).await;

    let body = json_with_status(response, 200).await;
    assert_eq!(body["username"], "alice");
}

async fn issued_token_has_the_documented_header_and_claims(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let signed_up = server.signed_up("alice", "correct horse").await;
    let token = signed_up["access_token"].as_str().expect("token");

    let header = segment(token, 0);
    let claims = segment(token, 1);

    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "EdDSA");
    assert!(header["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
    assert_eq!(claims["sub"], signed_up["user"]["id"]);
    assert_eq!(claims["iss"], "tokengate");
    assert_eq!(claims["aud"], "tokengate");
    let iat = claims["iat"].as_i64().expect("iat is an integer");
    assert_eq!(claims["nbf"].as_i64(), Some(iat));
    assert_eq!(claims["exp"].as_i64(), Some(iat + 900));
    assert!(claims["jti"].as_str().is_some_and(|jti| !jti.is_empty()));
    assert_eq!(claims["username"], "alice");
    assert_eq!(claims["role"], "user");
}

async fn every_issued_token_has_a_distinct_jti(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let first = server.token_for("alice", "correct horse").await;

    let response = server.login("alice", "correct horse").await;

    let second = json_with_status(response, 200).await;
    let second = second["access_token"].as_str().expect("token");
    assert_ne!(segment(&first, 1)["jti"], segment(second, 1)["jti"]);
}

/// Signs "alice" up on a fresh server with default settings, stops it, keeps its storage.
async fn issue_then_stop(backend: Backend) -> (String, Storage) {
    let server = TestServer::spawn_on(backend).await;
    let token = server.token_for("alice", "correct horse").await;
    json_with_status(server.me(&token).await, 200).await;
    let (storage, _) = server.stop().await;
    (token, storage)
}

on_both_backends!(
    token_with_a_tampered_payload_is_401_invalid_token,
    expired_token_is_401_invalid_token,
    token_from_another_server_instance_is_401_invalid_token,
    token_for_another_audience_is_401_invalid_token,
    token_from_another_issuer_is_401_invalid_token,
    token_stays_valid_across_a_restart,
    issued_token_has_the_documented_header_and_claims,
    every_issued_token_has_a_distinct_jti,
);
