//! The two databases the baseline runs on, behind one enum so the session store, the user lookup
//! and the seeder all work from the same `--database-url`.

use std::{str::FromStr, time::Duration};

use anyhow::bail;
use axum_session::SessionAnyPool;
use axum_session_sqlx::{SessionPgPool, SessionSqlitePool};
use sqlx::{
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
    PgPool, SqlitePool,
};
use uuid::Uuid;

/// Our own table names, so nothing collides with the product's tables in a shared database.
pub const USERS_TABLE: &str = "baseline_users";
pub const SESSIONS_TABLE: &str = "baseline_sessions";

/// The pool size the product uses by default: the comparison should differ only in the auth
/// scheme, not in how many connections each side may use.
const MAX_CONNECTIONS: u32 = 10;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            // WAL and a busy timeout, as the product's pool has: without them every session write
            // would block all readers and concurrent writers would fail with SQLITE_BUSY.
            let options = SqliteConnectOptions::from_str(url)?
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(MAX_CONNECTIONS)
                .connect_with(options)
                .await?;
            Ok(Self::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(MAX_CONNECTIONS)
                .connect(url)
                .await?;
            Ok(Self::Postgres(pool))
        } else {
            bail!("unsupported database URL (expected sqlite:// or postgres://)")
        }
    }

    /// The same pool as `axum_session` sees it. `SessionAnyPool` (the library's own `dyn` wrapper)
    /// gives both databases one session type; it costs a virtual call per query, nothing more.
    pub fn session_pool(&self) -> SessionAnyPool {
        match self {
            Self::Sqlite(pool) => SessionAnyPool::new(SessionSqlitePool::from(pool.clone())),
            Self::Postgres(pool) => SessionAnyPool::new(SessionPgPool::from(pool.clone())),
        }
    }

    /// Users keyed by a UUID in a TEXT column, like the product's `users` table.
    pub async fn create_users_table(&self) -> sqlx::Result<()> {
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {USERS_TABLE} (
                id       TEXT PRIMARY KEY NOT NULL,
                username TEXT NOT NULL,
                role     TEXT NOT NULL DEFAULT 'user'
            )"
        );
        self.execute(&sql).await
    }

    /// Drops both tables, so a reseed starts from nothing (faster than deleting a million rows).
    pub async fn drop_tables(&self) -> sqlx::Result<()> {
        for table in [SESSIONS_TABLE, USERS_TABLE] {
            self.execute(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        Ok(())
    }

    /// `(username, role)` of a user, or `None` when the id is unknown.
    pub async fn find_user(&self, id: Uuid) -> sqlx::Result<Option<(String, String)>> {
        let sql = format!("SELECT username, role FROM {USERS_TABLE} WHERE id = $1");
        let id = id.to_string();
        match self {
            Self::Sqlite(pool) => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await,
            Self::Postgres(pool) => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await,
        }
    }

    async fn execute(&self, sql: &str) -> sqlx::Result<()> {
        match self {
            Self::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(drop),
            Self::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
        }
    }
}
