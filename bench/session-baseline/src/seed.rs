//! `seed`: N users, each with one logged-in session, written straight into the store's tables in
//! the format `axum_session` reads back, plus one `Cookie:` header line per session.

use std::{
    collections::HashMap,
    fs::File,
    io::{BufWriter, Write},
    path::Path,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum_session::SessionStore;
use serde::Serialize;
use sqlx::{PgPool, QueryBuilder, Sqlite, SqlitePool};
use uuid::Uuid;

use crate::auth::{session_config, USER_ID_KEY};
use crate::db::{Db, SESSIONS_TABLE, USERS_TABLE};

/// Rows per INSERT: 10,000 rows x 3 columns stays under SQLite's 32,766 bound parameters.
const BATCH: usize = 10_000;

/// `SessionConfig::default().lifespan`: the store writes `expires = now + lifespan` on each save.
const LIFESPAN: Duration = Duration::from_secs(6 * 60 * 60);

/// The serialized fields of `axum_session::SessionData` (every other field is `#[serde(skip)]`).
/// Values in `data` are themselves JSON, as `Session::set` stores `serde_json::to_string(value)`.
#[derive(Serialize)]
struct StoredSession {
    data: HashMap<&'static str, String>,
    longterm: bool,
}

/// One batch of rows, column by column (the shape PostgreSQL's UNNEST wants).
#[derive(Default)]
struct Batch {
    user_ids: Vec<String>,
    usernames: Vec<String>,
    session_ids: Vec<String>,
    sessions: Vec<String>,
}

impl Batch {
    /// Users `user{first+1}` ..: the username matches the 1-based line number in the cookie file.
    fn generate(first: usize, len: usize) -> anyhow::Result<Self> {
        let mut batch = Batch::default();
        for i in first..first + len {
            let user_id = Uuid::new_v4();
            let stored = StoredSession {
                data: HashMap::from([(USER_ID_KEY, serde_json::to_string(&user_id)?)]),
                longterm: false,
            };
            batch.user_ids.push(user_id.to_string());
            batch.usernames.push(format!("user{}", i + 1));
            // The library's default id generator: `Uuid::new_v4().to_string()`.
            batch.session_ids.push(Uuid::new_v4().to_string());
            batch.sessions.push(serde_json::to_string(&stored)?);
        }
        Ok(batch)
    }

    /// With no signing key configured (the default) the cookie value is the bare session id.
    fn write_cookies(&self, out: &mut impl Write) -> std::io::Result<()> {
        for id in &self.session_ids {
            writeln!(out, "Cookie: session={id}")?;
        }
        Ok(())
    }
}

pub async fn seed(database_url: &str, sessions: usize, out: &Path) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    db.drop_tables().await?;
    db.create_users_table().await?;
    // The store's own table creation, with the same config the server uses.
    SessionStore::new(Some(db.session_pool()), session_config()).await?;

    let expires = i64::try_from(
        (SystemTime::now() + LIFESPAN)
            .duration_since(UNIX_EPOCH)?
            .as_secs(),
    )?;
    let mut file = BufWriter::new(File::create(out)?);
    match &db {
        Db::Sqlite(pool) => seed_sqlite(pool, sessions, expires, &mut file).await?,
        Db::Postgres(pool) => seed_postgres(pool, sessions, expires, &mut file).await?,
    }
    file.flush()?;
    Ok(())
}

/// One transaction of multi-row INSERTs: SQLite syncs once, at the commit.
async fn seed_sqlite(
    pool: &SqlitePool,
    count: usize,
    expires: i64,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for first in (0..count).step_by(BATCH) {
        let batch = Batch::generate(first, BATCH.min(count - first))?;
        let mut users =
            QueryBuilder::<Sqlite>::new(format!("INSERT INTO {USERS_TABLE} (id, username) "));
        users.push_values(
            batch.user_ids.iter().zip(&batch.usernames),
            |mut row, (id, name)| {
                row.push_bind(id).push_bind(name);
            },
        );
        users.build().execute(&mut *tx).await?;
        let mut rows = QueryBuilder::<Sqlite>::new(format!(
            "INSERT INTO {SESSIONS_TABLE} (id, expires, session) "
        ));
        rows.push_values(
            batch.session_ids.iter().zip(&batch.sessions),
            |mut row, (id, session)| {
                row.push_bind(id).push_bind(expires).push_bind(session);
            },
        );
        rows.build().execute(&mut *tx).await?;
        batch.write_cookies(out)?;
    }
    tx.commit().await?;
    Ok(())
}

/// One transaction of UNNEST inserts: one fixed statement per table, arrays as parameters.
async fn seed_postgres(
    pool: &PgPool,
    count: usize,
    expires: i64,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let users = format!(
        "INSERT INTO {USERS_TABLE} (id, username) SELECT * FROM UNNEST($1::text[], $2::text[])"
    );
    let sessions = format!(
        "INSERT INTO {SESSIONS_TABLE} (id, expires, session)
         SELECT id, $2, session FROM UNNEST($1::text[], $3::text[]) AS t(id, session)"
    );
    let mut tx = pool.begin().await?;
    for first in (0..count).step_by(BATCH) {
        let batch = Batch::generate(first, BATCH.min(count - first))?;
        sqlx::query(&users)
            .bind(&batch.user_ids)
            .bind(&batch.usernames)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&sessions)
            .bind(&batch.session_ids)
            .bind(expires)
            .bind(&batch.sessions)
            .execute(&mut *tx)
            .await?;
        batch.write_cookies(out)?;
    }
    tx.commit().await?;
    Ok(())
}
