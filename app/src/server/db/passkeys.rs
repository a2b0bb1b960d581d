//! The `passkeys` and `webauthn_ceremonies` tables (see `server::passkeys`).

use super::Db;

/// One stored passkey. `passkey` is webauthn-rs's `Passkey` as JSON (public key and counter).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: String,
    pub user_id: String,
    pub credential_id: String,
    pub name: String,
    pub passkey: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, credential_id, name, passkey, created_at, last_used_at";

/// A user's passkeys, oldest first.
pub async fn list(db: &Db, user_id: &str) -> Result<Vec<PasskeyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id"
    ))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// How many passkeys `user_id` has.
pub async fn count(db: &Db, user_id: &str) -> Result<i64, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    count_on(&mut conn, user_id).await
}

/// [`count`] on `conn` (inside the caller's transaction).
pub async fn count_on(conn: &mut sqlx::AnyConnection, user_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(conn)
        .await
}

/// The passkey with this credential id (base64url), whoever it belongs to.
pub async fn find_by_credential(
    db: &Db,
    credential_id: &str,
) -> Result<Option<PasskeyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1"
    ))
    .bind(credential_id)
    .fetch_optional(&db.pool)
    .await
}

/// Stores a new passkey. `false` when the credential is already registered (to anyone).
pub async fn insert(conn: &mut sqlx::AnyConnection, row: &PasskeyRow) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(&format!(
        "INSERT INTO passkeys ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(&row.id)
    .bind(&row.user_id)
    .bind(&row.credential_id)
    .bind(&row.name)
    .bind(&row.passkey)
    .bind(row.created_at)
    .bind(row.last_used_at)
    .execute(conn)
    .await;
    match result {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Records a use: the updated credential (its new counter) and the time, only if the stored
/// credential is still `before`: of two assertions racing, the one checked against an outdated
/// counter changes nothing (`false`).
pub async fn record_use(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    before: &str,
    after: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE passkeys SET passkey = $3, last_used_at = $4 WHERE id = $1 AND passkey = $2",
    )
    .bind(id)
    .bind(before)
    .bind(after)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// Renames one of `user_id`'s passkeys; `None` if it is not theirs.
pub async fn rename(
    db: &Db,
    user_id: &str,
    id: &str,
    name: &str,
) -> Result<Option<PasskeyRow>, sqlx::Error> {
    let updated = sqlx::query("UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .bind(name)
        .execute(&db.pool)
        .await?
        .rows_affected();
    if updated == 0 {
        return Ok(None);
    }
    find(db, user_id, id).await
}

/// One of `user_id`'s passkeys.
pub async fn find(db: &Db, user_id: &str, id: &str) -> Result<Option<PasskeyRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

/// Deletes one of `user_id`'s passkeys; `false` if it is not theirs (or already gone).
pub async fn delete(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(deleted == 1)
}

/// Deletes every passkey of `user_id` (an administrator's second-factor reset).
pub async fn delete_all(conn: &mut sqlx::AnyConnection, user_id: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// A ceremony as stored between its start and its finish.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CeremonyRow {
    pub purpose: String,
    pub user_id: Option<String>,
    pub context: String,
    pub state: String,
}

/// Stores a ceremony under the hash of its id.
#[allow(clippy::too_many_arguments)]
pub async fn create_ceremony(
    db: &Db,
    id_hash: &str,
    purpose: &str,
    user_id: Option<&str>,
    context: &str,
    state: &str,
    now: i64,
    ttl_secs: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webauthn_ceremonies (id_hash, purpose, user_id, context, state, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id_hash)
    .bind(purpose)
    .bind(user_id)
    .bind(context)
    .bind(state)
    .bind(now)
    .bind(now + ttl_secs)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Takes a live ceremony of `purpose` out of the table: it is deleted whatever happens next, so
/// it can be finished once. One statement (`DELETE ... RETURNING`): of two concurrent takes, one
/// gets the row, and no read-then-write transaction can meet SQLite's busy snapshot.
pub async fn take_ceremony(
    db: &Db,
    id_hash: &str,
    purpose: &str,
    now: i64,
) -> Result<Option<CeremonyRow>, sqlx::Error> {
    let row: Option<CeremonyRowWithExpiry> = sqlx::query_as(
        "DELETE FROM webauthn_ceremonies WHERE id_hash = $1
         RETURNING purpose, user_id, context, state, expires_at",
    )
    .bind(id_hash)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row
        .filter(|r| r.expires_at > now && r.purpose == purpose)
        .map(|r| CeremonyRow {
            purpose: r.purpose,
            user_id: r.user_id,
            context: r.context,
            state: r.state,
        }))
}

#[derive(sqlx::FromRow)]
struct CeremonyRowWithExpiry {
    purpose: String,
    user_id: Option<String>,
    context: String,
    state: String,
    expires_at: i64,
}

/// Ceremonies not yet expired (the bound on open ceremonies counts these).
pub async fn open_ceremonies(db: &Db, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM webauthn_ceremonies WHERE expires_at > $1")
        .bind(now)
        .fetch_one(&db.pool)
        .await
}

/// Deletes expired ceremonies.
pub async fn prune_ceremonies(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
            .bind(now)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}
