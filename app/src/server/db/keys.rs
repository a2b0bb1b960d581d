//! The `signing_keys` table: generated signing keys persist here, so every instance that shares
//! the database signs and verifies with the same keys, and a restart keeps issued tokens valid.

use sqlx::Row;

use super::Db;

#[derive(Debug, Clone)]
pub struct StoredKey {
    pub kid: String,
    /// `EdDSA` or `HS256`.
    pub algorithm: String,
    /// EdDSA: PKCS#8 PEM of the private key. HS256: the base64url secret (never published).
    pub private_pem: String,
    /// When the key starts signing (keys are published before that).
    pub created_at: i64,
    /// When set, the key stops verifying at this time.
    pub retired_at: Option<i64>,
}

/// Keys of `algorithm` that may still verify tokens at `now`, newest generation first.
pub async fn active(db: &Db, algorithm: &str, now: i64) -> Result<Vec<StoredKey>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kid, algorithm, private_pem, created_at, retired_at FROM signing_keys
         WHERE (retired_at IS NULL OR retired_at > $1) AND algorithm = $2
         ORDER BY CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, generation DESC, created_at DESC, kid DESC",
    )
    .bind(now)
    .bind(algorithm)
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

/// Inserts `key` as the next generation of its algorithm. With `only_if_first` it becomes
/// generation 1, which the unique index lets exactly one of several racing first starts insert;
/// the others insert nothing and load the winner's key.
pub async fn insert(db: &Db, key: &StoredKey, only_if_first: bool) -> Result<(), sqlx::Error> {
    let generation: i64 = if only_if_first {
        1
    } else {
        sqlx::query(
            "SELECT COALESCE(MAX(generation), 0) + 1 AS next FROM signing_keys WHERE algorithm = $1",
        )
        .bind(&key.algorithm)
        .fetch_one(&db.pool)
        .await?
        .try_get("next")?
    };
    sqlx::query(
        "INSERT INTO signing_keys (kid, algorithm, private_pem, created_at, generation)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (algorithm, generation) DO NOTHING",
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

/// Retires every other key of `keep`'s algorithm at `at` (their tokens stay valid until then).
pub async fn retire_others(db: &Db, keep: &str, at: i64) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE signing_keys SET retired_at = $2
         WHERE kid <> $1 AND retired_at IS NULL
           AND algorithm = (SELECT algorithm FROM signing_keys WHERE kid = $1)",
    )
    .bind(keep)
    .bind(at)
    .execute(&db.pool)
    .await?;
    Ok(result.rows_affected())
}
