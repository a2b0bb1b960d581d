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

/// User `user{number}` and its one session; `number` is also its line in the cookie file.
#[derive(Clone, Copy)]
struct Account {
    number: usize,
    user_id: Uuid,
    /// The library's default id generator is `Uuid::new_v4().to_string()`, too.
    session_id: Uuid,
}

impl Account {
    fn username(&self) -> String {
        format!("user{}", self.number)
    }

    /// The session row's `session` column.
    fn session_json(&self) -> serde_json::Result<String> {
        serde_json::to_string(&StoredSession {
            data: HashMap::from([(USER_ID_KEY, serde_json::to_string(&self.user_id)?)]),
            longterm: false,
        })
    }
}

/// The serialized fields of `axum_session::SessionData` (every other field is `#[serde(skip)]`).
/// Values in `data` are themselves JSON, as `Session::set` stores `serde_json::to_string(value)`.
#[derive(Serialize)]
struct StoredSession {
    data: HashMap<&'static str, String>,
    longterm: bool,
}

pub async fn seed(database_url: &str, sessions: usize, out: &Path) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    db.drop_tables().await?;
    db.create_users_table().await?;
    // The store's own table creation, with the same config the server uses.
    SessionStore::new(Some(db.session_pool()), session_config()).await?;

    let accounts: Vec<Account> = (1..=sessions)
        .map(|number| Account {
            number,
            user_id: Uuid::new_v4(),
            session_id: Uuid::new_v4(),
        })
        .collect();
    // In creation order, i.e. random with respect to the keys: a benchmark cycling through the
    // file reads the tables in random order, as real traffic would.
    write_cookies(&accounts, out)?;

    // Rows go in in key order (a UUID's hyphenated form sorts like its bytes): each primary-key
    // B-tree then grows at its right edge instead of splitting pages all over, which took
    // 1M sessions from over a minute to a fraction of that on both databases.
    let mut users = accounts.clone();
    users.sort_unstable_by_key(|a| a.user_id);
    let mut sessions = accounts;
    sessions.sort_unstable_by_key(|a| a.session_id);

    let expires = (SystemTime::now() + LIFESPAN)
        .duration_since(UNIX_EPOCH)?
        .as_secs();
    let expires = i64::try_from(expires)?;
    match &db {
        Db::Sqlite(pool) => seed_sqlite(pool, &users, &sessions, expires).await,
        Db::Postgres(pool) => seed_postgres(pool, &users, &sessions, expires).await,
    }
}

/// With no signing key configured (the default) the cookie value is the bare session id.
fn write_cookies(accounts: &[Account], out: &Path) -> std::io::Result<()> {
    let mut file = BufWriter::new(File::create(out)?);
    for account in accounts {
        writeln!(file, "Cookie: session={}", account.session_id)?;
    }
    file.flush()
}

/// One transaction of multi-row INSERTs: SQLite syncs once, at the commit.
async fn seed_sqlite(
    pool: &SqlitePool,
    users: &[Account],
    sessions: &[Account],
    expires: i64,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for chunk in users.chunks(BATCH) {
        let mut insert =
            QueryBuilder::<Sqlite>::new(format!("INSERT INTO {USERS_TABLE} (id, username) "));
        insert.push_values(chunk, |mut row, account| {
            row.push_bind(account.user_id.to_string())
                .push_bind(account.username());
        });
        insert.build().execute(&mut *tx).await?;
    }
    for chunk in sessions.chunks(BATCH) {
        let rows = chunk
            .iter()
            .map(|account| Ok((account.session_id.to_string(), account.session_json()?)))
            .collect::<serde_json::Result<Vec<_>>>()?;
        let mut insert = QueryBuilder::<Sqlite>::new(format!(
            "INSERT INTO {SESSIONS_TABLE} (id, expires, session) "
        ));
        insert.push_values(rows, |mut row, (id, session)| {
            row.push_bind(id).push_bind(expires).push_bind(session);
        });
        insert.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One transaction of UNNEST inserts: one fixed statement per table, columns as array parameters.
async fn seed_postgres(
    pool: &PgPool,
    users: &[Account],
    sessions: &[Account],
    expires: i64,
) -> anyhow::Result<()> {
    let insert_users = format!(
        "INSERT INTO {USERS_TABLE} (id, username) SELECT * FROM UNNEST($1::text[], $2::text[])"
    );
    let insert_sessions = format!(
        "INSERT INTO {SESSIONS_TABLE} (id, expires, session)
         SELECT id, $2, session FROM UNNEST($1::text[], $3::text[]) AS t(id, session)"
    );
    let mut tx = pool.begin().await?;
    for chunk in users.chunks(BATCH) {
        let ids: Vec<String> = chunk.iter().map(|a| a.user_id.to_string()).collect();
        let names: Vec<String> = chunk.iter().map(Account::username).collect();
        sqlx::query(&insert_users)
            .bind(ids)
            .bind(names)
            .execute(&mut *tx)
            .await?;
    }
    for chunk in sessions.chunks(BATCH) {
        let ids: Vec<String> = chunk.iter().map(|a| a.session_id.to_string()).collect();
        let json = chunk
            .iter()
            .map(Account::session_json)
            .collect::<serde_json::Result<Vec<_>>>()?;
        sqlx::query(&insert_sessions)
            .bind(ids)
            .bind(expires)
            .bind(json)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
