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
}

/// Keys that may still verify tokens, newest first (the first one signs).
pub async fn active(db: &Db) -> Result<Vec<StoredKey>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kid, algorithm, private_pem, created_at FROM signing_keys
         WHERE retired_at IS NULL ORDER BY created_at DESC, kid DESC",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredKey {
                kid: row.try_get("kid")?,
                algorithm: row.try_get("algorithm")?,
                private_pem: row.try_get("private_pem")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

pub async fn insert(db: &Db, key: &StoredKey) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, algorithm, private_pem, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&key.kid)
    .bind(&key.algorithm)
    .bind(&key.private_pem)
    .bind(key.created_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}
