//! Operations: health and readiness probes, the published JWKS, the no-JavaScript form fallback,
//! log hygiene and start-up configuration errors.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::helpers::{header, json_with_status, run_to_exit, Backend, Storage, TestServer};
use crate::tokens::segment;

async fn healthz_is_200(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server.get("/healthz").await;

    assert_eq!(response.status().as_u16(), 200);
}

async fn readyz_is_200_ready_when_the_database_answers(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server.get("/readyz").await;

    assert_eq!(
        json_with_status(response, 200).await,
        json!({ "status": "ready" })
    );
}

async fn jwks_publishes_the_ed25519_key_that_signs_tokens(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let token = server.token_for("alice", "correct horse").await;

    let jwks = json_with_status(server.get("/.well-known/jwks.json").await, 200).await;

    let keys = jwks["keys"].as_array().expect("keys is an array");
    assert_eq!(keys.len(), 1, "{jwks}");
    assert_eq!(keys[0]["kty"], "OKP");
    assert_eq!(keys[0]["crv"], "Ed25519");
    assert_eq!(keys[0]["kid"], segment(&token, 0)["kid"]);
    assert!(
        keys[0].get("d").is_none(),
        "private key material published: {jwks}"
    );
}

async fn token_verifies_independently_with_only_the_jwks(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let signed_up = server.signed_up("alice", "correct horse").await;
    let token = signed_up["access_token"].as_str().expect("token");
    let jwks = json_with_status(server.get("/.well-known/jwks.json").await, 200).await;
    let x = jwks["keys"][0]["x"].as_str().expect("x is a string");

    let key = DecodingKey::from_ed_components(x).expect("x is an Ed25519 public key");
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["tokengate"]);
    validation.set_issuer(&["tokengate"]);
    let verified = jsonwebtoken::decode::<Value>(token, &key, &validation);

    let claims = verified
        .expect("token verifies with the published key")
        .claims;
    assert_eq!(claims["sub"], signed_up["user"]["id"]);
}

async fn form_post_to_login_redirects_303_without_the_credentials(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let form = "application/x-www-form-urlencoded";

    let response = server
        .post_raw("/login", form, "username=a&password=secret123")
        .await;

    assert_eq!(response.status().as_u16(), 303);
    let location = header(response.headers(), "location");
    assert_eq!(location, Some("/login?js=required"));
}

async fn form_post_to_signup_redirects_303_without_the_credentials(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let form = "application/x-www-form-urlencoded";

    let response = server
        .post_raw("/signup", form, "username=a&password=secret123")
        .await;

    assert_eq!(response.status().as_u16(), 303);
    let location = header(response.headers(), "location");
    assert_eq!(location, Some("/signup?js=required"));
}

async fn passwords_and_tokens_never_appear_in_the_logs(backend: Backend) {
    let password = "S3cret-Passw0rd-XYZ";
    let server = TestServer::spawn_with(backend, &[("RUST_LOG", "debug")]).await;
    let signup_token = server.token_for("alice", password).await;
    let login = json_with_status(server.login("alice", password).await, 200).await;
    let login_token = login["access_token"].as_str().expect("token").to_owned();
    json_with_status(server.me(&login_token).await, 200).await;
    let wrong = server.login("alice", "S3cret-Passw0rd-XYZ-wrong").await;
    assert_eq!(wrong.status().as_u16(), 401);

    let (_, output) = server.stop().await;

    assert!(
        output.contains("tokengate listening on"),
        "output not captured:\n{output}"
    );
    assert!(
        output.contains("DEBUG"),
        "debug logging is not on:\n{output}"
    );
    assert!(!output.contains(password), "password logged:\n{output}");
    for token in [&signup_token, &login_token] {
        let signature = token.rsplit('.').next().expect("token has a signature");
        assert!(
            !output.contains(signature),
            "access token logged:\n{output}"
        );
    }
}

async fn invalid_setting_stops_startup_naming_the_variable(backend: Backend) {
    let storage = Storage::new(backend);

    let output = run_to_exit(&storage, &[("TOKENGATE_ACCESS_TOKEN_TTL_SECS", "abc")]).await;

    assert!(!output.status.success(), "started with a bad setting");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TOKENGATE_ACCESS_TOKEN_TTL_SECS"),
        "stderr: {stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("listening"));
}

on_both_backends!(
    healthz_is_200,
    readyz_is_200_ready_when_the_database_answers,
    jwks_publishes_the_ed25519_key_that_signs_tokens,
    token_verifies_independently_with_only_the_jwks,
    form_post_to_login_redirects_303_without_the_credentials,
    form_post_to_signup_redirects_303_without_the_credentials,
    passwords_and_tokens_never_appear_in_the_logs,
    invalid_setting_stops_startup_naming_the_variable,
);
