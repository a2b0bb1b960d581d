//! Runs a `tokengate` subcommand (`users ...`) on a server's storage, as an operator would on
//! the same machine: the same database and settings, standard input piped.

use std::process::{ExitStatus, Stdio};

use serde_json::Value;
use tokio::io::AsyncWriteExt as _;

use super::{command, Storage, STARTUP_TIMEOUT};

/// What a run printed, and how it ended.
pub struct CliRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl CliRun {
    /// Asserts success; stdout parsed as the one JSON document `--json` prints.
    pub fn json(&self) -> Value {
        assert!(self.status.success(), "failed: {}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    /// Asserts a non-zero exit, nothing on stdout, and `message` on stderr.
    pub fn assert_failed_with(&self, message: &str) {
        assert!(!self.status.success(), "succeeded: {}", self.stdout);
        assert_eq!(self.stdout, "");
        assert!(self.stderr.contains(message), "stderr: {}", self.stderr);
    }
}

/// Runs `tokengate <args>` on `storage` with `stdin` written to its standard input (then
/// closed), with `env` on top of the test settings.
pub async fn run_cli(
    storage: &Storage,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> CliRun {
    let mut child = command(storage, env)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("cannot run the tokengate binary");
    let mut input = child.stdin.take().expect("stdin is piped");
    // A command that does not read stdin may exit first: a broken pipe is not a failure here.
    let _ = input.write_all(stdin.as_bytes()).await;
    drop(input);
    let output = tokio::time::timeout(STARTUP_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("`tokengate {}` did not exit", args.join(" ")))
        .expect("cannot wait for the tokengate binary");
    CliRun {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
