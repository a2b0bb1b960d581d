//! A real `tokengate` process per test, on a random port, with its own storage.

mod asserts;
pub mod cli;
pub mod dpop;
pub mod keys;
pub mod pg_cluster;
pub mod sessions;
pub mod smtp;
mod storage;

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::Response;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use asserts::{assert_error, assert_invalid_token, header, json_with_status, now_unix};
pub use storage::{Backend, Storage};

const READY_PREFIX: &str = "tokengate listening on ";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

pub struct TestServer {
    child: Child,
    storage: Storage,
    pub address: String,
    pub client: reqwest::Client,
    output: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl TestServer {
    pub async fn spawn_on(backend: Backend) -> Self {
        Self::spawn_with(backend, &[]).await
    }

    pub async fn spawn_with(backend: Backend, env: &[(&str, &str)]) -> Self {
        Self::start(Storage::new(backend), env).await
    }

    /// Starts a server on existing storage and waits until it listens.
    pub async fn start(storage: Storage, env: &[(&str, &str)]) -> Self {
        let mut child = command(&storage, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("cannot start the tokengate binary");
        let output = Arc::new(Mutex::new(String::new()));
        let (ready_tx, ready_rx) = oneshot::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let readers = vec![
            tokio::spawn(capture(stdout, output.clone(), Some(ready_tx))),
            tokio::spawn(capture(stderr, output.clone(), None)),
        ];
        let address = match tokio::time::timeout(STARTUP_TIMEOUT, ready_rx).await {
            Ok(Ok(address)) => address,
            _ => {
                let _ = child.kill().await;
                for reader in readers {
                    let _ = tokio::time::timeout(STOP_TIMEOUT, reader).await;
                }
                let log = output.lock().map(|o| o.clone()).unwrap_or_default();
                panic!("tokengate did not start listening; its output:\n{log}");
            }
        };
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("cannot build the HTTP client");
        Self {
            child,
            storage,
            address,
            client,
            output,
            readers,
        }
    }

    /// Stops the server gracefully (SIGTERM) and returns its storage and everything it printed.
    pub async fn stop(mut self) -> (Storage, String) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        if tokio::time::timeout(STOP_TIMEOUT, self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
        for reader in self.readers.drain(..) {
            let _ = tokio::time::timeout(STOP_TIMEOUT, reader).await;
        }
        let output = self.output.lock().map(|o| o.clone()).unwrap_or_default();
        (self.storage, output)
    }

    /// Everything the server has printed so far (it keeps running).
    pub fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// The data directory and database this server runs on.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Runs `sql` on this server's database with the sqlite3 or psql CLI; returns its output.
    pub fn sql(&self, sql: &str) -> String {
        let (program, mut args) = match self.storage.database_url() {
            Some(url) => ("psql", vec![url, "-At".into(), "-c".into()]),
            None => {
                let file = self.storage.dir.path().join("tokengate.db");
                let args = ["-cmd", ".timeout 5000", &file.display().to_string()];
                ("sqlite3", args.map(String::from).to_vec())
            }
        };
        args.push(sql.to_owned());
        let output = std::process::Command::new(program).args(&args).output();
        let output = output.expect("cannot run the database CLI");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "`{sql}` failed: {stderr}");
        String::from_utf8(output.stdout).expect("CLI output is UTF-8")
    }

    /// The server's public origin: a loopback listener's default is `http://localhost:<port>`
    /// (what mails link to, what browsers send as `Origin`).
    pub fn public_origin(&self) -> String {
        let port = self.address.rsplit(':').next().expect("address has a port");
        format!("http://localhost:{port}")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        send(self.client.get(self.url(path))).await
    }

    pub async fn signup(&self, username: &str, password: &str) -> Response {
        let body = json!({ "username": username, "password": password });
        send(self.client.post(self.url("/api/auth/signup")).json(&body)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        let body = json!({ "username": username, "password": password });
        send(self.client.post(self.url("/api/auth/login")).json(&body)).await
    }

    /// `GET /api/me` with `Authorization: Bearer <token>`.
    pub async fn me(&self, token: &str) -> Response {
        let request = self.client.get(self.url("/api/me"));
        send(request.header(AUTHORIZATION, format!("Bearer {token}"))).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        let request = self
            .client
            .post(self.url(path))
            .header(CONTENT_TYPE, content_type);
        send(request.body(body)).await
    }

    /// Signs up and returns the whole 201 body.
    pub async fn signed_up(&self, username: &str, password: &str) -> Value {
        let response = self.signup(username, password).await;
        assert_eq!(
            response.status().as_u16(),
            201,
            "sign-up of {username} failed"
        );
        response.json().await.expect("sign-up body is JSON")
    }

    /// Signs up and returns the access token.
    pub async fn token_for(&self, username: &str, password: &str) -> String {
        let body = self.signed_up(username, password).await;
        body["access_token"]
            .as_str()
            .expect("access_token is a string")
            .to_owned()
    }
}

/// Runs the binary to completion (for start-up failures) and returns its output.
pub async fn run_to_exit(storage: &Storage, env: &[(&str, &str)]) -> std::process::Output {
    let run = command(storage, env).kill_on_drop(true).output();
    tokio::time::timeout(STARTUP_TIMEOUT, run)
        .await
        .expect("tokengate did not exit")
        .expect("cannot run the tokengate binary")
}

pub async fn send(request: reqwest::RequestBuilder) -> Response {
    request
        .send()
        .await
        .expect("request to the test server failed")
}

fn command(storage: &Storage, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tokengate"));
    // The data directory as working directory: no stray `.env` is picked up.
    command.current_dir(storage.dir.path());
    for (name, _) in std::env::vars() {
        let inherited_setting = ["DATABASE_URL", "RUST_LOG"].contains(&name.as_str())
            || ["TOKENGATE_", "LEPTOS_"]
                .iter()
                .any(|p| name.starts_with(p));
        if inherited_setting {
            command.env_remove(name);
        }
    }
    command
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("TOKENGATE_DATA_DIR", storage.dir.path())
        .env("RUST_LOG", "warn")
        .env("TOKENGATE_ARGON2_MEMORY_KIB", "8192")
        .env("TOKENGATE_ARGON2_ITERATIONS", "1");
    if let Some(url) = storage.database_url() {
        command.env("DATABASE_URL", url);
    }
    command.envs(env.iter().copied());
    command
}

async fn capture(
    stream: impl AsyncRead + Unpin,
    output: Arc<Mutex<String>>,
    mut ready: Option<oneshot::Sender<String>>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(address) = line.strip_prefix(READY_PREFIX) {
            if let Some(tx) = ready.take() {
                let _ = tx.send(address.trim().to_owned());
            }
        }
        if let Ok(mut all) = output.lock() {
            all.push_str(&line);
            all.push('\n');
        }
    }
}
