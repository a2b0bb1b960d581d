//! The `refresh_families` and `refresh_tokens` tables.

use sqlx::Row;

use super::Db;

#[derive(Debug, Clone)]
pub struct Family {
    pub id: String,
    pub user_id: String,
    pub chain_secret: String,
    pub user_agent: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct StoredRefreshToken {
    pub family_id: String,
    pub rotated_at: Option<i64>,
}

fn family_from_row(row: &sqlx::any::AnyRow) -> Result<Family, sqlx::Error> {
    Ok(Family {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        chain_secret: row.try_get("chain_secret")?,
        user_agent: row.try_get("user_agent")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const FAMILY_COLUMNS: &str =
    "id, user_id, chain_secret, user_agent, created_at, last_used_at, expires_at, revoked_at";

/// Creates a family with its first refresh token, in one transaction.
pub async fn create_family(
    db: &Db,
    family: &Family,
    first_token_hash: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO refresh_families
           (id, user_id, chain_secret, user_agent, created_at, last_used_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&family.id)
    .bind(&family.user_id)
    .bind(&family.chain_secret)
    .bind(&family.user_agent)
    .bind(family.created_at)
    .bind(family.last_used_at)
    .bind(family.expires_at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(first_token_hash)
    .bind(&family.id)
    .bind(family.created_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub async fn find_family(db: &Db, id: &str) -> Result<Option<Family>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {FAMILY_COLUMNS} FROM refresh_families WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(family_from_row)
    .transpose()
}

/// The user's families that are neither revoked nor past their absolute lifetime, newest first.
pub async fn active_families(db: &Db, user_id: &str, now: i64) -> Result<Vec<Family>, sqlx::Error> {
    sqlx::query(&format!(
        "SELECT {FAMILY_COLUMNS} FROM refresh_families
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
         ORDER BY last_used_at DESC, id"
    ))
    .bind(user_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(family_from_row)
    .collect()
}

pub async fn find_token(
    db: &Db,
    token_hash: &str,
) -> Result<Option<StoredRefreshToken>, sqlx::Error> {
    let row = sqlx::query("SELECT family_id, rotated_at FROM refresh_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|row| {
        Ok(StoredRefreshToken {
            family_id: row.try_get("family_id")?,
            rotated_at: row.try_get("rotated_at")?,
        })
    })
    .transpose()
}

/// Exchanges `parent` for `child` in one transaction: the child is inserted if new (concurrent
/// exchanges derive the same child), the parent is marked rotated once (the first time wins),
/// and the family's last use is updated.
pub async fn rotate(
    db: &Db,
    family_id: &str,
    parent_hash: &str,
    child_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (token_hash) DO NOTHING",
    )
    .bind(child_hash)
    .bind(family_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1 AND rotated_at IS NULL",
    )
    .bind(parent_hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE refresh_families SET last_used_at = $2 WHERE id = $1")
        .bind(family_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Revokes one family (if not already). Returns true if it was active.
pub async fn revoke_family(db: &Db, id: &str, reason: &str, now: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE refresh_families SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(reason)
    .execute(&db.pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Revokes every active family of a user except `keep` (if given). Returns how many.
pub async fn revoke_user_families(
    db: &Db,
    user_id: &str,
    keep: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE refresh_families SET revoked_at = $2, revoked_reason = $3
         WHERE user_id = $1 AND revoked_at IS NULL AND id <> $4",
    )
    .bind(user_id)
    .bind(now)
    .bind(reason)
    .bind(keep.unwrap_or(""))
    .execute(&db.pool)
    .await?;
    Ok(result.rows_affected())
}
