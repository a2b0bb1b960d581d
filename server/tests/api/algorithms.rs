//! HS256 by configuration: tokens are HMAC-signed with a secret that is generated and stored
//! (or configured), is never published, and only HS256 tokens are accepted then.

use crate::helpers::{
    assert_invalid_token, json_with_status, run_to_exit, Backend, Storage, TestServer,
};
use crate::tokens::segment;

const PASSWORD: &str = "correct horse";
const HS256: (&str, &str) = ("TOKENGATE_JWT_ALGORITHM", "HS256");

async fn hs256_tokens_verify_and_the_secret_is_never_published(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[HS256]).await;

    let token = server.token_for("alice", PASSWORD).await;

    assert_eq!(segment(&token, 0)["alg"], "HS256");
    json_with_status(server.me(&token).await, 200).await;
    let jwks = json_with_status(server.get("/.well-known/jwks.json").await, 200).await;
    assert_eq!(jwks, serde_json::json!({ "keys": [] }));
}

async fn generated_hs256_secret_persists_across_restarts(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[HS256]).await;
    let token = server.token_for("alice", PASSWORD).await;
    let (storage, _) = server.stop().await;

    let server = TestServer::start(storage, &[HS256]).await;

    json_with_status(server.me(&token).await, 200).await;
}

async fn switching_algorithm_refuses_tokens_of_the_other_one(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let eddsa_token = server.token_for("alice", PASSWORD).await;
    let (storage, _) = server.stop().await;

    let server = TestServer::start(storage, &[HS256]).await;

    assert_invalid_token(server.me(&eddsa_token).await).await;
    let hs_token = server.token_for("bob", PASSWORD).await;
    json_with_status(server.me(&hs_token).await, 200).await;
}

async fn configured_hs256_secret_signs_and_a_short_one_stops_startup(backend: Backend) {
    let secret = (
        "TOKENGATE_JWT_HS256_SECRET",
        "0123456789abcdef0123456789abcdef-long-enough",
    );
    let server = TestServer::spawn_with(backend, &[HS256, secret]).await;
    let token = server.token_for("alice", PASSWORD).await;
    json_with_status(server.me(&token).await, 200).await;

    let short = ("TOKENGATE_JWT_HS256_SECRET", "too-short");
    let output = run_to_exit(&Storage::new(backend), &[HS256, short]).await;

    assert!(!output.status.success(), "started with a 9-byte secret");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TOKENGATE_JWT_HS256_SECRET"),
        "stderr: {stderr}"
    );
    assert!(
        !stderr.contains("too-short"),
        "the secret must not be echoed: {stderr}"
    );
}

on_both_backends!(
    hs256_tokens_verify_and_the_secret_is_never_published,
    generated_hs256_secret_persists_across_restarts,
    switching_algorithm_refuses_tokens_of_the_other_one,
    configured_hs256_secret_signs_and_a_short_one_stops_startup,
);
