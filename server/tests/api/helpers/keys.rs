//! `tokengate keys rotate`, run on a server's storage while no server runs on it.

use std::process::Output;

use super::{command, Storage, STARTUP_TIMEOUT};

/// Runs `tokengate keys rotate` to completion on `storage`; asserts success.
pub async fn rotate_keys(storage: &Storage, env: &[(&str, &str)]) -> Output {
    let run = command(storage, env)
        .args(["keys", "rotate"])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(STARTUP_TIMEOUT, run)
        .await
        .expect("`tokengate keys rotate` did not exit")
        .expect("cannot run `tokengate keys rotate`");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "keys rotate failed: {stderr}");
    output
}
