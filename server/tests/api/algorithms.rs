//! The algorithms other than the EdDSA default. HS256: tokens are HMAC-signed with a secret that
//! is generated and stored (or configured), is never published, and only HS256 tokens are
//! accepted then. ES256 and RS256: like EdDSA, a generated (or configured) key whose public half
//! the JWKS publishes, and only tokens of the configured algorithm are accepted.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::helpers::{
    assert_invalid_token, json_with_status, run_to_exit, Backend, Storage, TestServer,
};
use crate::tokens::segment;

const PASSWORD: &str = "correct horse";
const HS256: (&str, &str) = ("TOKENGATE_JWT_ALGORITHM", "HS256");
const ES256: (&str, &str) = ("TOKENGATE_JWT_ALGORITHM", "ES256");
const RS256: (&str, &str) = ("TOKENGATE_JWT_ALGORITHM", "RS256");

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

/// The one JWKS entry, after checking it is the key of `token`'s `kid`.
async fn published_key_of(server: &TestServer, token: &str) -> Value {
    let jwks = json_with_status(server.get("/.well-known/jwks.json").await, 200).await;
    let keys = jwks["keys"].as_array().expect("keys is an array");
    assert_eq!(keys.len(), 1, "{jwks}");
    assert_eq!(keys[0]["kid"], segment(token, 0)["kid"]);
    assert_eq!(keys[0]["use"], "sig");
    keys[0].clone()
}

/// Verifies `token` with nothing but `key` built from the JWKS.
fn verifies_with(token: &str, key: &DecodingKey, algorithm: Algorithm) -> bool {
    let mut validation = Validation::new(algorithm);
    validation.set_audience(&["tokengate"]);
    validation.set_issuer(&["tokengate"]);
    jsonwebtoken::decode::<Value>(token, key, &validation).is_ok()
}

fn members(jwk: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = jwk
        .as_object()
        .expect("a JWK is an object")
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names
}

async fn es256_tokens_verify_with_the_published_p256_key(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[ES256]).await;

    let token = server.token_for("alice", PASSWORD).await;

    assert_eq!(segment(&token, 0)["alg"], "ES256");
    json_with_status(server.me(&token).await, 200).await;
    let jwk = published_key_of(&server, &token).await;
    assert_eq!(members(&jwk), ["alg", "crv", "kid", "kty", "use", "x", "y"]);
    assert_eq!(
        (&jwk["kty"], &jwk["crv"], &jwk["alg"]),
        (&"EC".into(), &"P-256".into(), &"ES256".into())
    );
    let (x, y) = (jwk["x"].as_str().expect("x"), jwk["y"].as_str().expect("y"));
    let key = DecodingKey::from_ec_components(x, y).expect("x and y are a P-256 point");
    assert!(verifies_with(&token, &key, Algorithm::ES256));
}

async fn rs256_tokens_verify_with_the_published_rsa_key(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[RS256]).await;

    let token = server.token_for("alice", PASSWORD).await;

    assert_eq!(segment(&token, 0)["alg"], "RS256");
    json_with_status(server.me(&token).await, 200).await;
    let jwk = published_key_of(&server, &token).await;
    assert_eq!(members(&jwk), ["alg", "e", "kid", "kty", "n", "use"]);
    assert_eq!(
        (&jwk["kty"], &jwk["alg"], &jwk["e"]),
        (&"RSA".into(), &"RS256".into(), &"AQAB".into())
    );
    let (n, e) = (jwk["n"].as_str().expect("n"), jwk["e"].as_str().expect("e"));
    let key = DecodingKey::from_rsa_components(n, e).expect("n and e are an RSA key");
    assert!(verifies_with(&token, &key, Algorithm::RS256));
}

async fn generated_rs256_key_persists_across_restarts(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[RS256]).await;
    let token = server.token_for("alice", PASSWORD).await;
    let (storage, _) = server.stop().await;

    let server = TestServer::start(storage, &[RS256]).await;

    json_with_status(server.me(&token).await, 200).await;
}

async fn switching_from_es256_to_rs256_refuses_the_es256_tokens(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[ES256]).await;
    let es_token = server.token_for("alice", PASSWORD).await;
    let (storage, _) = server.stop().await;

    let server = TestServer::start(storage, &[RS256]).await;

    assert_invalid_token(server.me(&es_token).await).await;
    let rs_token = server.token_for("bob", PASSWORD).await;
    json_with_status(server.me(&rs_token).await, 200).await;
}

async fn configured_p256_key_file_signs_and_stops_an_rs256_startup(backend: Backend) {
    let storage = Storage::new(backend);
    let file = storage.dir.path().join("p256.pem");
    let generated = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&file)
        .status()
        .expect("the openssl CLI is needed for this test");
    assert!(
        generated.success(),
        "openssl could not generate a P-256 key"
    );
    let path = file.display().to_string();
    let key_file = ("TOKENGATE_JWT_PRIVATE_KEY_FILE", path.as_str());

    let server = TestServer::start(storage, &[ES256, key_file]).await;
    let token = server.token_for("alice", PASSWORD).await;
    json_with_status(server.me(&token).await, 200).await;
    let (storage, _) = server.stop().await;
    let output = run_to_exit(&storage, &[RS256, key_file]).await;

    assert!(
        !output.status.success(),
        "RS256 started with a P-256 key file"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TOKENGATE_JWT_PRIVATE_KEY_FILE"),
        "stderr: {stderr}"
    );
}

on_both_backends!(
    hs256_tokens_verify_and_the_secret_is_never_published,
    generated_hs256_secret_persists_across_restarts,
    switching_algorithm_refuses_tokens_of_the_other_one,
    configured_hs256_secret_signs_and_a_short_one_stops_startup,
    es256_tokens_verify_with_the_published_p256_key,
    rs256_tokens_verify_with_the_published_rsa_key,
    generated_rs256_key_persists_across_restarts,
    switching_from_es256_to_rs256_refuses_the_es256_tokens,
    configured_p256_key_file_signs_and_stops_an_rs256_startup,
);
