//! The `signing_keys` table: generated signing keys persist here, so every instance that shares
//! the database signs and verifies with the same keys, and a restart keeps issued tokens valid.

use sqlx::Row;

use super::Db;

#[derive(Debug, Clone)]
pub struct StoredKey {
    pub kid: String,
    pub algorithm: String,
    /// PKCS#8 PEM of the private key.
    pub private_pem: String,
    pub created_at: i64,
    /// When set, the key stops verifying at this time (it no longer signs at all).
    pub retired_at: Option<i64>,
}

/// Keys that may still verify tokens at `now`: the signing key (not retired, newest) first.
pub async fn active(db: &Db, now: i64) -> Result<Vec<StoredKey>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kid, algorithm, private_pem, created_at, retired_at FROM signing_keys
         WHERE retired_at IS NULL OR retired_at > $1
         ORDER BY CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, generation DESC, created_at DESC, kid DESC",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredKey {
                kid: row.try_get("kid")?,
                algorithm: row.try_get("algorithm")?,
                private_pem: row.try_get("private_pem")?,
                created_at: row.try_get("created_at")?,
                retired_at: row.try_get("retired_at")?,
            })
        })
        .collect()
}

/// Inserts `key` as the next generation. With `only_if_first`, it is inserted only if no key
/// exists yet (generation 1, decided by the unique index: concurrent first starts agree).
pub async fn insert(db: &Db, key: &StoredKey, only_if_first: bool) -> Result<(), sqlx::Error> {
    let generation: i64 = if only_if_first {
        1
    } else {
        sqlx::query("SELECT COALESCE(MAX(generation), 0) + 1 AS next FROM signing_keys")
            .fetch_one(&db.pool)
            .await?
            .try_get("next")?
    };
    sqlx::query(
        "INSERT INTO signing_keys (kid, algorithm, private_pem, created_at, generation)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (generation) DO NOTHING",
    )
    .bind(&key.kid)
    .bind(&key.algorithm)
    .bind(&key.private_pem)
    .bind(key.created_at)
    .bind(generation)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Retires every key but `keep` at `at` (tokens they signed stay valid until then).
pub async fn retire_others(db: &Db, keep: &str, at: i64) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE signing_keys SET retired_at = $2 WHERE kid <> $1 AND retired_at IS NULL",
    )
    .bind(keep)
    .bind(at)
    .execute(&db.pool)
    .await?;
    Ok(result.rows_affected())
}
