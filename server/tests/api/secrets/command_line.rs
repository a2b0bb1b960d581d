//! Where settings may come from. No secret as a flag: every local user sees a command line in
//! `ps`. And `.env` only from the working directory: a parent's (a home directory, `/tmp`) must
//! not configure the server.

use std::path::Path;
use std::process::Output;

use tokio::process::Command;

use crate::helpers::{Backend, Storage};

/// Runs `tokengate args...` in `dir` with nothing inherited from the test's environment, so
/// that `.env` files are the only configuration; returns its output.
async fn tokengate(dir: &Path, data_dir: &Path, args: &[&str]) -> Output {
    let run = Command::new(env!("CARGO_BIN_EXE_tokengate"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("TOKENGATE_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(std::time::Duration::from_secs(60), run)
        .await
        .expect("tokengate did not exit")
        .expect("cannot run the tokengate binary")
}

#[tokio::test]
async fn secrets_are_refused_as_command_line_flags() {
    let storage = Storage::new(Backend::Sqlite);
    let dir = storage.dir.path();

    for flag in ["--database-url", "--jwt-hs256-secret"] {
        let output = tokengate(dir, dir, &[flag, "x", "migrate"]).await;

        assert_eq!(output.status.code(), Some(2), "{flag} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let expected = format!("unexpected argument '{flag}' found");
        assert!(stderr.contains(&expected), "stderr: {stderr}");
    }
}

#[tokio::test]
async fn the_long_help_names_the_settings_that_are_environment_only() {
    let storage = Storage::new(Backend::Sqlite);
    let dir = storage.dir.path();

    let output = tokengate(dir, dir, &["--help"]).await;

    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Environment only"), "stdout: {stdout}");
    assert!(stdout.contains("  DATABASE_URL "), "stdout: {stdout}");
    assert!(
        stdout.contains("  TOKENGATE_JWT_HS256_SECRET "),
        "stdout: {stdout}"
    );
}

/// A `.env` whose one setting is out of range: read, it stops `migrate` naming the variable.
const BAD_DOTENV: &str = "TOKENGATE_ACCESS_TOKEN_TTL_SECS=1\n";

#[tokio::test]
async fn a_dotenv_in_the_working_directory_is_read() {
    let storage = Storage::new(Backend::Sqlite);
    let dir = storage.dir.path();
    std::fs::write(dir.join(".env"), BAD_DOTENV).expect("write .env");

    let output = tokengate(dir, dir, &["migrate"]).await;

    assert!(!output.status.success(), "the .env was not read");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TOKENGATE_ACCESS_TOKEN_TTL_SECS"),
        "stderr: {stderr}"
    );
}

#[tokio::test]
async fn a_dotenv_in_a_parent_of_the_working_directory_is_ignored() {
    let storage = Storage::new(Backend::Sqlite);
    let parent = storage.dir.path();
    std::fs::write(parent.join(".env"), BAD_DOTENV).expect("write .env");
    let working_dir = parent.join("work");
    std::fs::create_dir(&working_dir).expect("create the working directory");

    let output = tokengate(&working_dir, parent, &["migrate"]).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the parent's .env was read: {stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "migrations applied\n"
    );
}
