//! The `totp_factors`, `recovery_codes` and `mfa_challenges` tables (see `server::mfa`).

use super::Db;

#[derive(Debug, Clone, sqlx::FromRow)]
struct FactorRow {
    secret: String,
    confirmed_at: Option<i64>,
    last_step: Option<i64>,
}

/// A user's TOTP factor, its secret opened.
#[derive(Debug, Clone)]
pub struct TotpFactor {
    /// Base32.
    pub secret: String,
    pub confirmed: bool,
    pub last_step: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum FactorError {
    #[error("the TOTP secret does not open with the configured key-encryption key")]
    Unsealable,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What a sealed secret is bound to: its row, and that it is a TOTP secret.
fn secret_aad(user_id: &str) -> String {
    format!("totp:{user_id}")
}

/// The factor of `user_id`, confirmed or only set up.
pub async fn find_totp(db: &Db, user_id: &str) -> Result<Option<TotpFactor>, FactorError> {
    let row: Option<FactorRow> = sqlx::query_as(
        "SELECT secret, confirmed_at, last_step FROM totp_factors WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|row| {
        let secret = db
            .open_text(&row.secret, &secret_aad(user_id))
            .map_err(|_| FactorError::Unsealable)?;
        Ok(TotpFactor {
            secret,
            confirmed: row.confirmed_at.is_some(),
            last_step: row.last_step,
        })
    })
    .transpose()
}

/// True when `user_id` has a confirmed factor.
pub async fn has_confirmed_totp(db: &Db, user_id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}

/// Stores a new, unconfirmed secret, replacing an earlier unconfirmed one. Never replaces a
/// confirmed factor (that takes `delete_totp` first, which needs a code): returns false then.
pub async fn set_up_totp(
    db: &Db,
    user_id: &str,
    secret: &str,
    now: i64,
) -> Result<bool, FactorError> {
    let sealed = db
        .seal_text(secret, &secret_aad(user_id))
        .map_err(|_| FactorError::Unsealable)?;
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NULL")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO totp_factors (user_id, secret, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(sealed)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(inserted == 1)
}

/// Records that a code for `step` was accepted, unless a code for this or a later step already
/// was: of two uses of one code, exactly one gets `true`. `confirm` also turns the factor on.
pub async fn accept_step(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    step: i64,
    confirm_at: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE totp_factors SET last_step = $2, confirmed_at = COALESCE(confirmed_at, $3)
          WHERE user_id = $1 AND (last_step IS NULL OR last_step < $2)",
    )
    .bind(user_id)
    .bind(step)
    .bind(confirm_at)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// Removes the factor and the recovery codes.
pub async fn delete_totp(conn: &mut sqlx::AnyConnection, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM totp_factors WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces the user's recovery codes with `hashes`.
pub async fn replace_recovery_codes(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    hashes: &[String],
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for hash in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(hash)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Uses a recovery code: true exactly once per code.
pub async fn use_recovery_code(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3
          WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(hash)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

pub async fn recovery_codes_left(db: &Db, user_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
}

/// A live login challenge.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Challenge {
    pub user_id: String,
    pub credentials_version: i64,
}

pub async fn create_challenge(
    db: &Db,
    token_hash: &str,
    user_id: &str,
    credentials_version: i64,
    now: i64,
    ttl_secs: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mfa_challenges (token_hash, user_id, credentials_version, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(credentials_version)
    .bind(now)
    .bind(now + ttl_secs)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The challenge if it is unused, unexpired and has fewer than `max_failures` wrong codes.
pub async fn find_challenge(
    db: &Db,
    token_hash: &str,
    max_failures: i64,
    now: i64,
) -> Result<Option<Challenge>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, credentials_version FROM mfa_challenges
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 AND failures < $3",
    )
    .bind(token_hash)
    .bind(now)
    .bind(max_failures)
    .fetch_optional(&db.pool)
    .await
}

/// Counts a wrong code.
pub async fn fail_challenge(db: &Db, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE mfa_challenges SET failures = failures + 1 WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Uses the challenge up: true exactly once.
pub async fn consume_challenge(
    conn: &mut sqlx::AnyConnection,
    token_hash: &str,
    max_failures: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE mfa_challenges SET used_at = $2
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 AND failures < $3",
    )
    .bind(token_hash)
    .bind(now)
    .bind(max_failures)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// For the pruning task: challenges expired before `cutoff`.
pub async fn prune_challenges(db: &Db, cutoff: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM mfa_challenges WHERE expires_at < $1")
            .bind(cutoff)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}
