//! A configured HS256 secret is encoded random bytes (base64 or base64url, at least 32 bytes
//! decoded), from `TOKENGATE_JWT_HS256_SECRET` or the file `TOKENGATE_JWT_HS256_SECRET_FILE`;
//! the decoded bytes are the HMAC key. A passphrase is refused: HS256 has no key stretching, so
//! one token would let anyone test guesses offline.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::write_private;
use crate::helpers::{json_with_status, run_to_exit, Backend, Storage, TestServer};

const PASSWORD: &str = "correct horse";
const HS256: (&str, &str) = ("TOKENGATE_JWT_ALGORITHM", "HS256");
const SECRET: &str = "TOKENGATE_JWT_HS256_SECRET";
const SECRET_FILE: &str = "TOKENGATE_JWT_HS256_SECRET_FILE";
/// The secret's bytes: 32 of them, not all alike.
const SECRET_BYTES: [u8; 32] = *b"0123456789abcdefghijklmnopqrstuv";

/// True when `token` is signed with exactly `secret` as the HMAC key.
fn signed_with(token: &str, secret: &[u8]) -> bool {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["tokengate"]);
    validation.set_issuer(&["tokengate"]);
    jsonwebtoken::decode::<Value>(token, &DecodingKey::from_secret(secret), &validation).is_ok()
}

/// Starts a server that must refuse `env`; returns what it wrote to stderr.
async fn refused(env: &[(&str, &str)]) -> String {
    let output = run_to_exit(&Storage::new(Backend::Sqlite), env).await;
    assert!(!output.status.success(), "started with {env:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_base64_secret_of_32_bytes_signs_with_its_decoded_bytes() {
    let encoded = STANDARD.encode(SECRET_BYTES);
    let server = TestServer::spawn_with(Backend::Sqlite, &[HS256, (SECRET, &encoded)]).await;

    let token = server.token_for("alice", PASSWORD).await;

    json_with_status(server.me(&token).await, 200).await;
    assert!(signed_with(&token, &SECRET_BYTES));
}

#[tokio::test]
async fn a_base64url_secret_file_signs_with_its_decoded_bytes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("hs256-secret");
    write_private(
        &file,
        &format!("{}\n", URL_SAFE_NO_PAD.encode(SECRET_BYTES)),
    );
    let file = file.display().to_string();
    let server = TestServer::spawn_with(Backend::Sqlite, &[HS256, (SECRET_FILE, &file)]).await;

    let token = server.token_for("alice", PASSWORD).await;

    json_with_status(server.me(&token).await, 200).await;
    assert!(signed_with(&token, &SECRET_BYTES));
}

#[tokio::test]
async fn a_passphrase_secret_stops_startup_naming_the_variable() {
    let passphrase = "correct horse battery staple, and then some more words";

    let stderr = refused(&[HS256, (SECRET, passphrase)]).await;

    let expected = format!("{SECRET} must be at least 32 random bytes, base64-encoded");
    assert!(stderr.contains(&expected), "stderr: {stderr}");
    assert!(
        !stderr.contains(passphrase),
        "the secret is echoed: {stderr}"
    );
}

#[tokio::test]
async fn a_secret_that_decodes_to_fewer_than_32_bytes_stops_startup() {
    // 32 characters, which the old length check took for 32 bytes: they decode to 24.
    let short = STANDARD.encode([7u8; 24]);

    let stderr = refused(&[HS256, (SECRET, &short)]).await;

    let expected = format!("{SECRET} must be at least 32 random bytes");
    assert!(stderr.contains(&expected), "stderr: {stderr}");
}

#[tokio::test]
async fn a_passphrase_secret_file_stops_startup_naming_the_variable() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("hs256-secret");
    write_private(
        &file,
        "correct horse battery staple, and then some more words\n",
    );
    let file = file.display().to_string();

    let stderr = refused(&[HS256, (SECRET_FILE, &file)]).await;

    let expected = format!("{SECRET_FILE} must be at least 32 random bytes");
    assert!(stderr.contains(&expected), "stderr: {stderr}");
}

#[tokio::test]
async fn a_secret_and_a_secret_file_together_stop_startup() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("hs256-secret");
    let encoded = STANDARD.encode(SECRET_BYTES);
    write_private(&file, &encoded);
    let file = file.display().to_string();

    let stderr = refused(&[HS256, (SECRET, &encoded), (SECRET_FILE, &file)]).await;

    let expected = format!("set {SECRET} or {SECRET_FILE}, not both");
    assert!(stderr.contains(&expected), "stderr: {stderr}");
}
