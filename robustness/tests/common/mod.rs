//! The release binary as a child process on a random port, and the checks every test repeats.
//!
//! Each test binary uses part of this module.
#![allow(dead_code)]

pub mod dpop;
pub mod http;
pub mod webauthn;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use tokio::time::Instant;

use http::{request, shown, Conn, Outcome, ANSWER_DEADLINE};

const READY_PREFIX: &str = "tokengate listening on http://";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Server {
    child: Mutex<Child>,
    pub addr: SocketAddr,
    output: Arc<Mutex<String>>,
    _dir: TempDir,
}

impl Server {
    pub async fn start() -> Server {
        Server::start_with(&[]).await
    }

    /// Starts the binary in a fresh data directory with `env` on top of the test settings and
    /// waits until it listens.
    pub async fn start_with(env: &[(&str, &str)]) -> Server {
        let binary = binary();
        let dir = tempfile::tempdir().expect("cannot create a temporary directory");
        // Private, as the server expects of its data directory (it warns otherwise).
        let private = std::fs::Permissions::from_mode(0o700);
        std::fs::set_permissions(dir.path(), private).expect("cannot chmod the data directory");
        let mut command = Command::new(&binary);
        // The data directory as working directory: no stray `.env` is picked up.
        command.current_dir(dir.path());
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            let inherited = name == "DATABASE_URL"
                || name.starts_with("TOKENGATE_")
                || name.starts_with("LEPTOS_");
            if inherited {
                command.env_remove(name);
            }
        }
        command
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("LEPTOS_OUTPUT_NAME", "tokengate")
            .env("LEPTOS_SITE_ROOT", dir.path().join("site"))
            .env("TOKENGATE_DATA_DIR", dir.path())
            .env("RUST_LOG", "warn")
            .env("TOKENGATE_ARGON2_MEMORY_KIB", "8192")
            .env("TOKENGATE_ARGON2_ITERATIONS", "1")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let output = Arc::new(Mutex::new(String::new()));
        let (ready_tx, ready_rx) = oneshot::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        tokio::spawn(capture(stdout, output.clone(), Some(ready_tx)));
        tokio::spawn(capture(stderr, output.clone(), None));
        let addr = match tokio::time::timeout(STARTUP_TIMEOUT, ready_rx).await {
            Ok(Ok(addr)) => addr,
            _ => {
                let _ = child.kill().await;
                tokio::time::sleep(Duration::from_millis(200)).await;
                let log = output.lock().map(|o| o.clone()).unwrap_or_default();
                panic!(
                    "{} did not start listening; its output:\n{log}",
                    binary.display()
                );
            }
        };
        Server {
            child: Mutex::new(child),
            addr,
            output,
            _dir: dir,
        }
    }

    /// The server's public origin: `localhost` on the port it listens on (what DPoP `htu`s and
    /// WebAuthn origins must name).
    pub fn public_origin(&self) -> String {
        format!("http://localhost:{}", self.addr.port())
    }

    /// Everything the server printed so far.
    pub fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// `Some` once the process has exited (crashed: nothing here stops it).
    pub fn exit_status(&self) -> Option<ExitStatus> {
        let mut child = self.child.lock().expect("child lock");
        child.try_wait().ok().flatten()
    }

    /// A new connection; failing to connect fails the test (with the server's output).
    pub async fn connect(&self) -> Conn {
        match Conn::open(self.addr).await {
            Ok(conn) => conn,
            Err(e) => {
                self.fail("connecting", &format!("cannot connect: {e}"))
                    .await
            }
        }
    }

    /// `bytes` on a new connection; the first response or what happened instead. A refused
    /// connection counts as closed: the aliveness check that follows tells a crash apart.
    pub async fn exchange(&self, bytes: &[u8]) -> Outcome {
        let Ok(mut conn) = Conn::open(self.addr).await else {
            return Outcome::Closed {
                partial: Vec::new(),
            };
        };
        conn.send(bytes).await;
        conn.response(is_head(bytes), Instant::now() + ANSWER_DEADLINE)
            .await
    }

    /// Like `exchange`, then FIN: for requests that promise more than they send.
    pub async fn exchange_then_half_close(&self, bytes: &[u8]) -> Outcome {
        let Ok(mut conn) = Conn::open(self.addr).await else {
            return Outcome::Closed {
                partial: Vec::new(),
            };
        };
        conn.send(bytes).await;
        conn.half_close().await;
        conn.response(is_head(bytes), Instant::now() + ANSWER_DEADLINE)
            .await
    }

    /// Sends `bytes`, waits `patience` for an answer, then FIN and the usual deadline: answers
    /// come in-band when the server has them, and a request it waits on still ends.
    pub async fn exchange_patiently(&self, bytes: &[u8], patience: Duration) -> Outcome {
        let Ok(mut conn) = Conn::open(self.addr).await else {
            return Outcome::Closed {
                partial: Vec::new(),
            };
        };
        conn.send(bytes).await;
        let head = is_head(bytes);
        match conn.response(head, Instant::now() + patience).await {
            Outcome::Silent { .. } => {}
            outcome => return outcome,
        }
        conn.half_close().await;
        conn.response(head, Instant::now() + ANSWER_DEADLINE).await
    }

    /// Panics with the case, the problem, the process state and the server's output.
    pub async fn fail(&self, case: &str, problem: &str) -> ! {
        // Give the output readers a moment to collect a dying process's last words.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let state = match self.exit_status() {
            Some(status) => format!("the server process EXITED ({status})"),
            None => "the server process is still running".to_owned(),
        };
        panic!(
            "case: {case}\nproblem: {problem}\n{state}\nserver output:\n{}",
            self.output()
        );
    }
}

/// The process is running and a fresh `GET /healthz` answers 200 `{"status":"ok"}`.
pub async fn assert_alive(server: &Server, case: &str) {
    if server.exit_status().is_some() {
        server.fail(case, "the server died").await;
    }
    let outcome = server.exchange(&request("GET", "/healthz", None)).await;
    let healthy = matches!(&outcome, Outcome::Answered(r)
        if r.status == 200 && r.json() == Some(json!({ "status": "ok" })));
    if !healthy {
        server
            .fail(case, &format!("GET /healthz afterwards: {outcome}"))
            .await;
    }
}

/// A 4xx, or a close without a 5xx: what a malformed request must get.
pub async fn assert_rejected(server: &Server, case: &str, outcome: &Outcome) {
    let fine = match outcome {
        Outcome::Answered(r) => (400..500).contains(&r.status),
        Outcome::Closed { .. } => outcome.status().is_none_or(|s| s < 500),
        Outcome::Silent { .. } => false,
    };
    if !fine {
        server
            .fail(case, &format!("expected a 4xx or a close, got: {outcome}"))
            .await;
    }
}

/// Any answer below 500 or a close: for requests some servers may legitimately serve.
pub async fn assert_no_server_error(server: &Server, case: &str, outcome: &Outcome) {
    let fine = match outcome {
        Outcome::Answered(_) | Outcome::Closed { .. } => outcome.status().is_none_or(|s| s < 500),
        Outcome::Silent { .. } => false,
    };
    if !fine {
        server
            .fail(
                case,
                &format!("expected no 5xx and no hang, got: {outcome}"),
            )
            .await;
    }
}

/// A readable name for a raw request in failure messages.
pub fn case_name(bytes: &[u8]) -> String {
    shown(bytes, 400)
}

fn is_head(bytes: &[u8]) -> bool {
    bytes.starts_with(b"HEAD ")
}

/// The binary under test; a missing one fails the test (a skipped test must never pass).
fn binary() -> PathBuf {
    let Some(path) = std::env::var_os("TOKENGATE_BIN") else {
        panic!(
            "TOKENGATE_BIN is not set. These tests attack the release server binary: \
             `LEPTOS_OUTPUT_NAME=tokengate cargo build --release -p tokengate`, then \
             `TOKENGATE_BIN=\"$PWD/target/release/tokengate\" cargo test -p tokengate-robustness` \
             (scripts/test.sh does both)"
        );
    };
    let path = PathBuf::from(path);
    let executable =
        std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    assert!(
        executable,
        "TOKENGATE_BIN={} is not an executable file; build it with \
         `LEPTOS_OUTPUT_NAME=tokengate cargo build --release -p tokengate`",
        path.display()
    );
    path
}

async fn capture(
    stream: impl AsyncRead + Unpin,
    output: Arc<Mutex<String>>,
    mut ready: Option<oneshot::Sender<SocketAddr>>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(addr) = line.strip_prefix(READY_PREFIX) {
            if let (Some(tx), Ok(addr)) = (ready.take(), addr.trim().parse()) {
                let _ = tx.send(addr);
            }
        }
        if let Ok(mut all) = output.lock() {
            all.push_str(&line);
            all.push('\n');
        }
    }
}
