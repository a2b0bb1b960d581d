//! The SQLite database (password hashes, refresh tokens, signing keys) and its directory: the
//! server creates them private to its user, and warns, but keeps serving, when others can reach
//! existing ones.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::helpers::{json_with_status, Backend, Storage, TestServer};

const PASSWORD: &str = "correct horse";

fn mode(path: &Path) -> u32 {
    let metadata = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    metadata.permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[tokio::test]
async fn first_start_creates_the_data_directory_0700_and_the_database_files_0600() {
    let storage = Storage::new(Backend::Sqlite);
    let data_dir = storage.dir.path().join("data").join("tokengate");
    let data_dir_setting = data_dir.display().to_string();

    let server = TestServer::start(storage, &[("TOKENGATE_DATA_DIR", &data_dir_setting)]).await;
    server.token_for("alice", PASSWORD).await;

    assert_eq!(mode(&data_dir), 0o700);
    assert_eq!(mode(data_dir.parent().expect("a parent")), 0o700);
    for file in ["tokengate.db", "tokengate.db-wal", "tokengate.db-shm"] {
        assert_eq!(mode(&data_dir.join(file)), 0o600, "{file}");
    }
}

#[tokio::test]
async fn a_data_directory_and_database_others_can_read_are_warned_about_and_still_served() {
    let server = TestServer::spawn_on(Backend::Sqlite).await;
    let token = server.token_for("alice", PASSWORD).await;
    let (storage, _) = server.stop().await;
    let dir = storage.dir.path().to_owned();
    chmod(&dir, 0o755);
    chmod(&dir.join("tokengate.db"), 0o644);

    let server = TestServer::start(storage, &[]).await;
    json_with_status(server.me(&token).await, 200).await;
    let (_, output) = server.stop().await;

    let dir_warning = format!(
        "the data directory {} is accessible to other users (mode 755); `chmod 700` it",
        dir.display()
    );
    let file_warning = format!(
        "the database file {} is accessible to other users (mode 644); `chmod 600` it",
        dir.join("tokengate.db").display()
    );
    assert!(output.contains(&dir_warning), "output: {output}");
    assert!(output.contains(&file_warning), "output: {output}");
}

#[tokio::test]
async fn a_private_data_directory_gets_no_warning() {
    let storage = Storage::new(Backend::Sqlite);
    chmod(storage.dir.path(), 0o700);
    let server = TestServer::start(storage, &[]).await;
    server.token_for("alice", PASSWORD).await;

    let (_, output) = server.stop().await;

    assert!(
        !output.contains("accessible to other users"),
        "output: {output}"
    );
}
