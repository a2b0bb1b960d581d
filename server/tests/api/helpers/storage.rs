//! Where a test server keeps its state: a fresh data directory and, on PostgreSQL, a fresh
//! database that is dropped with the `Storage`. Restarting a server on the same `Storage` keeps
//! its users and signing keys.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use tempfile::TempDir;

/// The PostgreSQL database the tests connect to in order to create and drop their own.
const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Storage {
    pub dir: TempDir,
    database: Option<String>,
}

impl Storage {
    /// A fresh data directory, plus a fresh database on PostgreSQL. Panics (failing the test)
    /// when PostgreSQL cannot be reached.
    pub fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("cannot create a temporary data directory");
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let name = random_database_name();
                psql(&format!("CREATE DATABASE {name}"))
                    .unwrap_or_else(|e| panic!("PostgreSQL is required for this test: {e}"));
                Some(name)
            }
        };
        Self { dir, database }
    }

    /// `DATABASE_URL` for the server, or `None` for the SQLite default in the data directory.
    pub fn database_url(&self) -> Option<String> {
        let name = self.database.as_ref()?;
        let admin = admin_url();
        let (base, query) = admin.split_once('?').unwrap_or((&admin, ""));
        let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        Some(format!("{server}/{name}{query}"))
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        if let Some(name) = &self.database {
            if let Err(e) = psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")) {
                eprintln!("could not drop test database {name}: {e}");
            }
        }
    }
}

/// `TOKENGATE_TEST_PG_URL`, or PostgreSQL on 127.0.0.1:5432 as user `postgres`, database `test`.
fn admin_url() -> String {
    std::env::var("TOKENGATE_TEST_PG_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_ADMIN_URL.to_owned())
}

fn psql(sql: &str) -> Result<(), String> {
    let output = Command::new("psql")
        .arg(admin_url())
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{sql}` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn random_database_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("tg_{:016x}", hasher.finish())
}
