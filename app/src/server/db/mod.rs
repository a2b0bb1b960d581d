//! The database: one `AnyPool` over SQLite (the embedded default) or PostgreSQL, chosen by the
//! URL alone. Queries use `$1`-style parameters, which both backends accept, and store times as
//! Unix seconds (BIGINT) so that one set of SQL runs on both. With a key-encryption key
//! configured, secret columns are sealed (see `sealing`) before they reach either backend.

pub mod email_tokens;
pub mod files;
pub mod keys;
pub mod mfa;
pub mod passkeys;
pub mod refresh_families;
pub mod sealing;
pub mod throttle;
pub mod users;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret as _;
use sqlx::any::{install_default_drivers, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

use self::sealing::KeyEncryptionKey;
use super::config::Config;

/// One portable set of migrations for both backends (plain types, `$n` parameters).
static MIGRATIONS: Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported DATABASE_URL scheme (expected sqlite:// or postgres://)")]
    UnsupportedScheme,
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot create the database file {path}: {source}")]
    DataFile {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read TOKENGATE_KEY_ENCRYPTION_KEY_FILE {path}: {source}")]
    KekUnreadable {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "TOKENGATE_KEY_ENCRYPTION_KEY_FILE {path} must hold 32 random bytes, base64-encoded (e.g. from `openssl rand -base64 32`)"
    )]
    KekInvalid { path: String },
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Seals the signing keys in `signing_keys` (`TOKENGATE_KEY_ENCRYPTION_KEY_FILE`); `None`
    /// stores them in plaintext. It travels with the pool because every command that opens the
    /// database from the configuration (serve, `keys rotate`, the bench tools) must use it.
    kek: Option<Arc<KeyEncryptionKey>>,
}

impl Db {
    /// Reads the key-encryption key, then opens the pool (creating the SQLite file and its
    /// directory, private, when needed). Connections are opened lazily, so a server can start
    /// while PostgreSQL is still down.
    pub async fn connect(config: &Config) -> Result<Self, DbError> {
        install_default_drivers();
        let kek = match &config.key_encryption_key_file {
            Some(path) => Some(Arc::new(read_kek(path)?)),
            None => None,
        };
        let url = config.database_url();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedScheme);
        };
        if backend == Backend::Sqlite {
            files::prepare_sqlite(&url)?;
        }
        let statement_timeout_ms = config.db_statement_timeout_ms;
        let pool = AnyPoolOptions::new()
            .max_connections(config.db_max_connections)
            .acquire_timeout(Duration::from_secs(config.db_acquire_timeout_secs))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    match backend {
                        // WAL lets readers run beside the writer; busy_timeout queues writers
                        // instead of failing them with SQLITE_BUSY.
                        Backend::Sqlite => {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                            )
                            .await?;
                        }
                        // No statement may hold a connection (and a request) longer than this.
                        Backend::Postgres => {
                            conn.execute(
                                format!("SET statement_timeout = {statement_timeout_ms}").as_str(),
                            )
                            .await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_lazy(&url)?;
        Ok(Self { pool, backend, kek })
    }

    /// A database on a pool opened elsewhere (an in-memory one in unit tests), without a
    /// key-encryption key: signing keys are stored in plaintext.
    pub fn from_pool(pool: AnyPool, backend: Backend) -> Self {
        Self {
            pool,
            backend,
            kek: None,
        }
    }

    /// Applies the migrations (idempotent).
    pub async fn migrate(&self) -> Result<(), DbError> {
        MIGRATIONS.run(&self.pool).await?;
        Ok(())
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// The key-encryption key from its file: exactly 32 bytes, base64 or base64url-encoded.
fn read_kek(path: &Path) -> Result<KeyEncryptionKey, DbError> {
    let unreadable = |source| DbError::KekUnreadable {
        path: path.display().to_string(),
        source,
    };
    let text =
        files::read_key_file(path, "TOKENGATE_KEY_ENCRYPTION_KEY_FILE").map_err(unreadable)?;
    files::decode_encoded_key(text.expose_secret())
        .and_then(|bytes| KeyEncryptionKey::from_bytes(bytes.expose_secret()))
        .ok_or_else(|| DbError::KekInvalid {
            path: path.display().to_string(),
        })
}

/// True when an error means "the database is unreachable" rather than "the query was wrong".
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::Io(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
    )
}
