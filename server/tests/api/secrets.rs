//! Secrets at rest. With `TOKENGATE_KEY_ENCRYPTION_KEY_FILE` the signing keys are stored
//! encrypted (`enc:v1:...`), so a copy of the database yields none; the other files and settings
//! that hold secrets are in the submodules.

mod command_line;
mod data_files;
mod hs256_secret;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use tempfile::TempDir;

use crate::helpers::keys::rotate_keys;
use crate::helpers::{json_with_status, run_to_exit, Backend, Storage, TestServer};
use crate::tokens::segment;

const PASSWORD: &str = "correct horse";
const KEK_VARIABLE: &str = "TOKENGATE_KEY_ENCRYPTION_KEY_FILE";

/// A key-encryption key file (32 bytes of `byte`, base64 as `openssl rand -base64 32` writes
/// it), kept outside the server's data directory as it should be.
struct Kek {
    _dir: TempDir,
    path: String,
}

impl Kek {
    fn new(byte: u8) -> Self {
        Self::with_contents(&format!("{}\n", STANDARD.encode([byte; 32])))
    }

    fn with_contents(contents: &str) -> Self {
        let dir = tempfile::tempdir().expect("cannot create a directory for the KEK");
        let path = dir.path().join("kek");
        write_private(&path, contents);
        let path = path.display().to_string();
        Self { _dir: dir, path }
    }

    fn env(&self) -> (&str, &str) {
        (KEK_VARIABLE, &self.path)
    }
}

/// Writes `contents` to a file only its owner can read, as a secret file should be.
fn write_private(path: &Path, contents: &str) {
    std::fs::write(path, contents).expect("cannot write the file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .expect("cannot chmod the file");
}

/// `(stored keys, sealed ones, ones with a PEM in plaintext)` in `server`'s database.
fn stored_keys(server: &TestServer) -> (u32, u32, u32) {
    let count = |filter: &str| -> u32 {
        let sql = format!("SELECT COUNT(*) FROM signing_keys {filter}");
        server
            .sql(&sql)
            .trim()
            .parse()
            .expect("COUNT(*) is a number")
    };
    (
        count(""),
        count("WHERE private_pem LIKE 'enc:v1:%'"),
        count("WHERE private_pem LIKE '%PRIVATE KEY%'"),
    )
}

fn kid_of(token: &str) -> String {
    let kid = segment(token, 0)["kid"].clone();
    kid.as_str().expect("kid is a string").to_owned()
}

async fn with_a_kek_the_stored_signing_key_is_encrypted(backend: Backend) {
    let kek = Kek::new(1);

    let server = TestServer::spawn_with(backend, &[kek.env()]).await;
    server.token_for("alice", PASSWORD).await;

    assert_eq!(stored_keys(&server), (1, 1, 0));
}

async fn tokens_still_verify_after_a_restart_on_the_encrypted_key(backend: Backend) {
    let kek = Kek::new(1);
    let server = TestServer::spawn_with(backend, &[kek.env()]).await;
    let token = server.token_for("alice", PASSWORD).await;
    let (storage, _) = server.stop().await;

    let server = TestServer::start(storage, &[kek.env()]).await;

    assert_eq!(stored_keys(&server), (1, 1, 0));
    assert_eq!(
        json_with_status(server.me(&token).await, 200).await["username"],
        "alice"
    );
}

async fn an_encrypted_database_without_the_kek_stops_startup(backend: Backend) {
    let kek = Kek::new(1);
    let server = TestServer::spawn_with(backend, &[kek.env()]).await;
    server.token_for("alice", PASSWORD).await;
    let (storage, _) = server.stop().await;

    let output = run_to_exit(&storage, &[]).await;

    assert!(!output.status.success(), "started without the KEK");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("signing keys are encrypted: set TOKENGATE_KEY_ENCRYPTION_KEY_FILE"),
        "stderr: {stderr}"
    );
}

async fn a_wrong_kek_stops_startup_naming_the_key_it_cannot_decrypt(backend: Backend) {
    let (kek, wrong) = (Kek::new(1), Kek::new(2));
    let server = TestServer::spawn_with(backend, &[kek.env()]).await;
    let kid = kid_of(&server.token_for("alice", PASSWORD).await);
    let (storage, _) = server.stop().await;

    let output = run_to_exit(&storage, &[wrong.env()]).await;

    assert!(!output.status.success(), "started with the wrong KEK");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!("signing key {kid} does not decrypt with {KEK_VARIABLE}");
    assert!(stderr.contains(&expected), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}

async fn adding_a_kek_encrypts_the_stored_keys_and_their_tokens_still_verify(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let token = server.token_for("alice", PASSWORD).await;
    assert_eq!(stored_keys(&server), (1, 0, 1), "plaintext before the KEK");
    let (storage, _) = server.stop().await;
    let kek = Kek::new(1);

    let server = TestServer::start(storage, &[kek.env()]).await;

    assert_eq!(stored_keys(&server), (1, 1, 0));
    assert_eq!(
        json_with_status(server.me(&token).await, 200).await["username"],
        "alice"
    );
}

async fn keys_rotate_with_the_kek_stores_the_new_key_encrypted(backend: Backend) {
    let kek = Kek::new(1);
    let server = TestServer::spawn_with(backend, &[kek.env()]).await;
    let old_token = server.token_for("alice", PASSWORD).await;
    let (storage, _) = server.stop().await;
    let no_delay = ("TOKENGATE_KEY_PUBLISH_DELAY_SECS", "0");

    rotate_keys(&storage, &[kek.env(), no_delay]).await;

    let server = TestServer::start(storage, &[kek.env()]).await;
    assert_eq!(stored_keys(&server), (2, 2, 0));
    let body = json_with_status(server.login("alice", PASSWORD).await, 200).await;
    let new_token = body["access_token"].as_str().expect("access_token");
    assert_ne!(kid_of(new_token), kid_of(&old_token));
    json_with_status(server.me(new_token).await, 200).await;
    json_with_status(server.me(&old_token).await, 200).await;
}

#[tokio::test]
async fn a_kek_file_that_is_not_32_encoded_random_bytes_stops_startup() {
    for contents in [
        "correct horse battery staple\n",
        &STANDARD.encode([1u8; 16]),
    ] {
        let kek = Kek::with_contents(contents);

        let output = run_to_exit(&Storage::new(Backend::Sqlite), &[kek.env()]).await;

        assert!(
            !output.status.success(),
            "started with KEK file {contents:?}"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        let expected = format!("{KEK_VARIABLE} {} must hold 32 random bytes", kek.path);
        assert!(stderr.contains(&expected), "stderr: {stderr}");
    }
}

on_both_backends!(
    with_a_kek_the_stored_signing_key_is_encrypted,
    tokens_still_verify_after_a_restart_on_the_encrypted_key,
    an_encrypted_database_without_the_kek_stops_startup,
    a_wrong_kek_stops_startup_naming_the_key_it_cannot_decrypt,
    adding_a_kek_encrypts_the_stored_keys_and_their_tokens_still_verify,
    keys_rotate_with_the_kek_stores_the_new_key_encrypted,
);
