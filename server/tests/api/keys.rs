//! Signing-key rotation with `tokengate keys rotate`: the new key signs from the next start, the
//! old one keeps verifying (and stays in the JWKS) for one token lifetime, then retires.
//! Covered elsewhere: a token with an unknown `kid` (attacks.rs).

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use tokio::time::{sleep, sleep_until, Instant};

use crate::helpers::keys::rotate_keys;
use crate::helpers::sessions::start_of_next_second;
use crate::helpers::{assert_invalid_token, json_with_status, Backend, TestServer};
use crate::tokens::segment;

const PASSWORD: &str = "correct horse";
/// `keys rotate` retires older keys one token lifetime plus leeway later: here 3 s.
/// (No publish delay: the restarted server must sign with the new key at once.)
const ROTATE_ENV: [(&str, &str); 3] = [
    ("TOKENGATE_ACCESS_TOKEN_TTL_SECS", "3"),
    ("TOKENGATE_JWT_LEEWAY_SECS", "0"),
    ("TOKENGATE_KEY_PUBLISH_DELAY_SECS", "0"),
];
/// Past the retirement of the old key (3 s after the rotation, counted in whole seconds).
const PAST_RETIREMENT: Duration = Duration::from_millis(3500);

/// A server restarted after a key rotation, with a token "alice" got before it.
struct Rotated {
    server: TestServer,
    old_token: String,
    rotated_at: Instant,
    /// What `keys rotate` printed.
    stdout: String,
}

impl Rotated {
    fn old_kid(&self) -> Value {
        segment(&self.old_token, 0)["kid"].clone()
    }

    /// A token issued after the rotation, by logging in.
    async fn new_token(&self) -> String {
        let body = json_with_status(self.server.login("alice", PASSWORD).await, 200).await;
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// The kids the JWKS publishes, sorted.
    async fn published_kids(&self) -> Vec<Value> {
        let jwks = json_with_status(self.server.get("/.well-known/jwks.json").await, 200).await;
        let keys = jwks["keys"].as_array().expect("keys is an array");
        let mut kids: Vec<Value> = keys.iter().map(|k| k["kid"].clone()).collect();
        kids.sort_by_key(|kid| kid.to_string());
        kids
    }

    async fn sleep_past_retirement(&self) {
        sleep_until(self.rotated_at + PAST_RETIREMENT).await;
    }
}

async fn rotated(backend: Backend) -> Rotated {
    let server = TestServer::spawn_on(backend).await;
    let old_token = server.token_for("alice", PASSWORD).await;
    let (storage, _) = server.stop().await;
    start_of_next_second().await;
    let rotated_at = Instant::now();
    let output = rotate_keys(&storage, &ROTATE_ENV).await;
    let server = TestServer::start(storage, &[]).await;
    Rotated {
        server,
        old_token,
        rotated_at,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    }
}

async fn tokens_after_a_rotation_carry_the_new_kid_that_keys_rotate_printed(backend: Backend) {
    let rotated = rotated(backend).await;

    let token = rotated.new_token().await;

    let kid = segment(&token, 0)["kid"].clone();
    assert_ne!(kid, rotated.old_kid());
    let printed = format!("new signing key {}; ", kid.as_str().expect("kid"));
    assert!(rotated.stdout.contains(&printed), "{}", rotated.stdout);
}

async fn token_of_the_old_key_still_verifies_right_after_the_rotation(backend: Backend) {
    let rotated = rotated(backend).await;

    let response = rotated.server.me(&rotated.old_token).await;

    assert_eq!(json_with_status(response, 200).await["username"], "alice");
}

async fn jwks_lists_the_old_and_the_new_key_until_the_old_one_retires(backend: Backend) {
    let rotated = rotated(backend).await;
    let new_kid = segment(&rotated.new_token().await, 0)["kid"].clone();

    let kids = rotated.published_kids().await;

    let mut expected = vec![rotated.old_kid(), new_kid];
    expected.sort_by_key(|kid| kid.to_string());
    assert_eq!(kids, expected);
}

/// One wait through the retirement, two outcomes: the old key's tokens stop verifying and the
/// JWKS lists only the new key.
async fn once_the_old_key_retires_its_tokens_are_401_and_the_jwks_lists_only_the_new_key(
    backend: Backend,
) {
    let rotated = rotated(backend).await;
    let new_token = rotated.new_token().await;
    rotated.sleep_past_retirement().await;

    assert_invalid_token(rotated.server.me(&rotated.old_token).await).await;
    let kids = rotated.published_kids().await;
    assert_eq!(kids, [segment(&new_token, 0)["kid"].clone()]);
    json_with_status(rotated.server.me(&new_token).await, 200).await;
}

async fn token_of_the_new_key_verifies_independently_with_the_jwks_entry_of_its_kid(
    backend: Backend,
) {
    let rotated = rotated(backend).await;
    let token = rotated.new_token().await;
    let kid = segment(&token, 0)["kid"].clone();
    let jwks = json_with_status(rotated.server.get("/.well-known/jwks.json").await, 200).await;
    let keys = jwks["keys"].as_array().expect("keys is an array");
    let jwk = keys
        .iter()
        .find(|k| k["kid"] == kid)
        .expect("kid published");

    let x = jwk["x"].as_str().expect("x is a string");
    let key = DecodingKey::from_ed_components(x).expect("x is an Ed25519 public key");
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["tokengate"]);
    validation.set_issuer(&["tokengate"]);
    let verified = jsonwebtoken::decode::<Value>(&token, &key, &validation);

    let claims = verified
        .expect("token verifies with the published key")
        .claims;
    assert_eq!(claims["username"], "alice");
}

async fn restart_after_the_retirement_keeps_signing_with_the_new_key(backend: Backend) {
    let rotated = rotated(backend).await;
    let new_token = rotated.new_token().await;
    rotated.sleep_past_retirement().await;
    let (storage, _) = rotated.server.stop().await;

    let server = TestServer::start(storage, &[]).await;

    let token = server.token_for("bob", PASSWORD).await;
    assert_eq!(segment(&token, 0)["kid"], segment(&new_token, 0)["kid"]);
    json_with_status(server.me(&new_token).await, 200).await;
    assert_invalid_token(server.me(&rotated.old_token).await).await;
}

/// A running server learns a rotated key from the database by itself: the key is published
/// (in the JWKS, verifiable) before it starts signing, so no instance ever meets an unknown kid.
async fn running_server_publishes_a_rotated_key_before_signing_with_it(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[("TOKENGATE_KEY_RELOAD_SECS", "1")]).await;
    let old_token = server.token_for("alice", PASSWORD).await;
    let old_kid = segment(&old_token, 0)["kid"].clone();

    rotate_keys(
        server.storage(),
        &[("TOKENGATE_KEY_PUBLISH_DELAY_SECS", "4")],
    )
    .await;
    sleep(Duration::from_millis(2500)).await;

    let jwks = json_with_status(server.get("/.well-known/jwks.json").await, 200).await;
    assert_eq!(
        jwks["keys"].as_array().expect("keys").len(),
        2,
        "new key published"
    );
    let still_old = server.token_for("bob", PASSWORD).await;
    assert_eq!(
        segment(&still_old, 0)["kid"],
        old_kid,
        "not signing with it yet"
    );

    sleep(Duration::from_millis(4000)).await;
    let new_token = server.token_for("carol", PASSWORD).await;
    assert_ne!(
        segment(&new_token, 0)["kid"],
        old_kid,
        "signing with the new key"
    );
    json_with_status(server.me(&new_token).await, 200).await;
    json_with_status(server.me(&old_token).await, 200).await;
}

on_both_backends!(
    running_server_publishes_a_rotated_key_before_signing_with_it,
    tokens_after_a_rotation_carry_the_new_kid_that_keys_rotate_printed,
    token_of_the_old_key_still_verifies_right_after_the_rotation,
    jwks_lists_the_old_and_the_new_key_until_the_old_one_retires,
    once_the_old_key_retires_its_tokens_are_401_and_the_jwks_lists_only_the_new_key,
    token_of_the_new_key_verifies_independently_with_the_jwks_entry_of_its_kid,
    restart_after_the_retirement_keeps_signing_with_the_new_key,
);
