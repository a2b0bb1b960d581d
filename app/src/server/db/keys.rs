//! The `signing_keys` table: generated signing keys persist here, so every instance that shares
//! the database signs and verifies with the same keys, and a restart keeps issued tokens valid.
//!
//! With a key-encryption key (KEK), `private_pem` is stored sealed to its `kid` (see `sealing`):
//! this module seals on the way in and opens on the way out, so callers only see plaintext, and
//! a copy of the database without the KEK yields no signing key.

use super::sealing::{is_sealed, SealError, SEALED_PREFIX};
use super::Db;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredKey {
    pub kid: String,
    /// `EdDSA`, `ES256`, `RS256` or `HS256`.
    pub algorithm: String,
    /// PKCS#8 PEM of the private key, or for HS256 the base64url secret (never published).
    /// Always the plaintext here, whether or not the row is sealed.
    pub private_pem: String,
    /// When the key starts signing (it is published, and verifies, before that). Stored in the
    /// `created_at` column, whose name predates delayed activation.
    pub signs_from: i64,
    /// When set, the key stops verifying at this time.
    pub retired_at: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoredKeyError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("signing keys are encrypted: set TOKENGATE_KEY_ENCRYPTION_KEY_FILE")]
    KekMissing,
    #[error(
        "signing key {kid} does not decrypt with TOKENGATE_KEY_ENCRYPTION_KEY_FILE ({reason})"
    )]
    Undecryptable { kid: String, reason: SealError },
    #[error("cannot encrypt signing key {kid}")]
    Unsealable { kid: String },
}

/// Keys of `algorithm` that may still verify tokens at `now`, newest generation first.
pub async fn active(db: &Db, algorithm: &str, now: i64) -> Result<Vec<StoredKey>, StoredKeyError> {
    let rows: Vec<StoredKey> = sqlx::query_as(
        "SELECT kid, algorithm, private_pem, created_at AS signs_from, retired_at FROM signing_keys
         WHERE (retired_at IS NULL OR retired_at > $1) AND algorithm = $2
         ORDER BY CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, generation DESC, created_at DESC, kid DESC",
    )
    .bind(now)
    .bind(algorithm)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(StoredKey {
                private_pem: open(db, &row.kid, &row.private_pem)?,
                ..row
            })
        })
        .collect()
}

/// Inserts `key` as the next generation of its algorithm. With `only_if_first` it becomes
/// generation 1, which the unique index lets exactly one of several racing first starts insert;
/// the others insert nothing and load the winner's key.
pub async fn insert(db: &Db, key: &StoredKey, only_if_first: bool) -> Result<(), StoredKeyError> {
    let private_pem = stored_form(db, &key.kid, &key.private_pem).await?;
    let generation: i64 = if only_if_first {
        1
    } else {
        sqlx::query_scalar(
            "SELECT COALESCE(MAX(generation), 0) + 1 AS next FROM signing_keys WHERE algorithm = $1",
        )
        .bind(&key.algorithm)
        .fetch_one(&db.pool)
        .await?
    };
    sqlx::query(
        "INSERT INTO signing_keys (kid, algorithm, private_pem, created_at, generation)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (algorithm, generation) DO NOTHING",
    )
    .bind(&key.kid)
    .bind(&key.algorithm)
    .bind(private_pem)
    .bind(key.signs_from)
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

/// With a KEK: checks that it opens every sealed row, then seals the plaintext rows (keys stored
/// before the KEK was configured, retired ones too) in place, and returns how many it sealed.
/// The check comes first so that a wrong KEK seals nothing: the table never holds rows under two
/// keys. Idempotent, and safe when several instances do it at once: a row is only replaced while
/// it still holds the plaintext that was read. Without a KEK there is nothing to do.
pub async fn seal_plaintext(db: &Db) -> Result<u64, StoredKeyError> {
    let Some(kek) = db.kek.as_deref() else {
        return Ok(0);
    };
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT kid, private_pem FROM signing_keys")
        .fetch_all(&db.pool)
        .await?;
    let mut plaintext = Vec::new();
    for (kid, stored) in rows {
        if is_sealed(&stored) {
            open(db, &kid, &stored)?;
        } else {
            plaintext.push((kid, stored));
        }
    }
    let mut sealed = 0;
    for (kid, stored) in plaintext {
        let value = kek
            .seal(&stored, &kid)
            .map_err(|_| StoredKeyError::Unsealable { kid: kid.clone() })?;
        sealed += sqlx::query(
            "UPDATE signing_keys SET private_pem = $1 WHERE kid = $2 AND private_pem = $3",
        )
        .bind(value)
        .bind(&kid)
        .bind(&stored)
        .execute(&db.pool)
        .await?
        .rows_affected();
    }
    if sealed > 0 {
        tracing::info!(
            sealed,
            "stored signing keys encrypted with the key-encryption key"
        );
    }
    Ok(sealed)
}

/// What is stored for `private_pem`: sealed to `kid` with a KEK. Without one the plaintext,
/// unless the table already holds sealed rows: a `keys rotate` run without the KEK must not add
/// a plaintext key beside them.
async fn stored_form(db: &Db, kid: &str, private_pem: &str) -> Result<String, StoredKeyError> {
    if let Some(kek) = db.kek.as_deref() {
        return kek
            .seal(private_pem, kid)
            .map_err(|_| StoredKeyError::Unsealable {
                kid: kid.to_owned(),
            });
    }
    let sealed_row = sqlx::query("SELECT kid FROM signing_keys WHERE private_pem LIKE $1 LIMIT 1")
        .bind(format!("{SEALED_PREFIX}%"))
        .fetch_optional(&db.pool)
        .await?;
    match sealed_row {
        Some(_) => Err(StoredKeyError::KekMissing),
        None => Ok(private_pem.to_owned()),
    }
}

/// The plaintext of a stored `private_pem` (a plaintext row passes through).
fn open(db: &Db, kid: &str, stored: &str) -> Result<String, StoredKeyError> {
    if !is_sealed(stored) {
        return Ok(stored.to_owned());
    }
    let kek = db.kek.as_deref().ok_or(StoredKeyError::KekMissing)?;
    kek.open(stored, kid)
        .map_err(|reason| StoredKeyError::Undecryptable {
            kid: kid.to_owned(),
            reason,
        })
}
