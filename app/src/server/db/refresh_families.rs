//! The `refresh_families` (sessions) and `refresh_tokens` tables.
//!
//! Every read of a family carries its user's current credentials version, so that liveness
//! (`refresh_rotation::is_live`) can tell a session started under old credentials from a current one.

use super::Db;
use crate::server::audit::NewEvent;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Family {
    pub id: String,
    pub user_id: String,
    pub chain_secret: String,
    pub user_agent: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// The user's credentials version when the session started.
    pub credentials_version: i64,
    /// The user's credentials version now (from `users`).
    pub user_credentials_version: i64,
    /// How the session was started (RFC 8176 values, space-separated): every access token of
    /// the session carries it as `amr`.
    pub amr: String,
    /// The thumbprint of the key the session is bound to (DPoP), if it is.
    pub dpop_jkt: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredRefreshToken {
    pub family_id: String,
    pub rotated_at: Option<i64>,
}

/// Why a session could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The user's credentials changed (or the account went) after they were checked.
    #[error("credentials changed while logging in")]
    CredentialsChanged,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

const FAMILY_SELECT: &str = "SELECT f.id, f.user_id, f.chain_secret, f.user_agent, f.created_at,
        f.last_used_at, f.expires_at, f.revoked_at, f.credentials_version, f.amr, f.dpop_jkt,
        u.credentials_version AS user_credentials_version
   FROM refresh_families f JOIN users u ON u.id = f.user_id";

/// Creates a family with its first refresh token, in one transaction, only if the user's
/// credentials are still at `family.credentials_version`; then ends the user's least recently
/// used sessions beyond `max_per_user`; with `login`, records that event and the user's
/// last-login time in the same transaction.
pub async fn create_family(
    db: &Db,
    family: &Family,
    first_token_hash: &str,
    max_per_user: i64,
    login: Option<&NewEvent<'_>>,
) -> Result<(), StartError> {
    let mut tx = db.pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO refresh_families
           (id, user_id, chain_secret, user_agent, created_at, last_used_at, expires_at,
            credentials_version, amr, dpop_jkt)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
          WHERE EXISTS (SELECT 1 FROM users WHERE id = $2 AND credentials_version = $8)",
    )
    .bind(&family.id)
    .bind(&family.user_id)
    .bind(&family.chain_secret)
    .bind(&family.user_agent)
    .bind(family.created_at)
    .bind(family.last_used_at)
    .bind(family.expires_at)
    .bind(family.credentials_version)
    .bind(&family.amr)
    .bind(&family.dpop_jkt)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => return Err(StartError::CredentialsChanged),
        // The account was deleted between the check and the insert (PostgreSQL's FK check).
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
            return Err(StartError::CredentialsChanged)
        }
        Err(e) => return Err(e.into()),
    }
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(first_token_hash)
    .bind(&family.id)
    .bind(family.created_at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE refresh_families SET revoked_at = $3, revoked_reason = 'session_limit'
          WHERE user_id = $1 AND revoked_at IS NULL
            AND id NOT IN (SELECT id FROM refresh_families
                            WHERE user_id = $1 AND revoked_at IS NULL
                            ORDER BY last_used_at DESC, created_at DESC, id
                            LIMIT $2)",
    )
    .bind(&family.user_id)
    .bind(max_per_user)
    .bind(family.created_at)
    .execute(&mut *tx)
    .await?;
    if let Some(event) = login {
        crate::server::audit::record(&mut tx, event).await?;
        super::users::touch_last_login_in(&mut tx, &family.user_id, event.at).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn find_family(db: &Db, id: &str) -> Result<Option<Family>, sqlx::Error> {
    sqlx::query_as(&format!("{FAMILY_SELECT} WHERE f.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// The user's families that are neither revoked nor past their absolute lifetime, newest first.
pub async fn active_families(db: &Db, user_id: &str, now: i64) -> Result<Vec<Family>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{FAMILY_SELECT}
         WHERE f.user_id = $1 AND f.revoked_at IS NULL AND f.expires_at > $2
         ORDER BY f.last_used_at DESC, f.id"
    ))
    .bind(user_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

pub async fn find_token(
    db: &Db,
    token_hash: &str,
) -> Result<Option<StoredRefreshToken>, sqlx::Error> {
    sqlx::query_as("SELECT family_id, rotated_at FROM refresh_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&db.pool)
        .await
}

/// Marks the family used at `now`, but only while it is still live in the database: not
/// revoked, credentials unchanged. Runs first in the rotation transaction, so a revocation
/// that commits before it is seen and one that commits after it waits for it (PostgreSQL row
/// lock; SQLite has one writer). False when the session has ended.
async fn claim_live(
    conn: &mut sqlx::AnyConnection,
    family_id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE refresh_families SET last_used_at = $2
          WHERE id = $1 AND revoked_at IS NULL
            AND credentials_version =
                (SELECT credentials_version FROM users WHERE users.id = refresh_families.user_id)",
    )
    .bind(family_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Exchanges `parent` for `child` in one transaction: the family is claimed live, the child is
/// inserted if new (concurrent exchanges derive the same child) and the parent is marked rotated
/// once (the first time wins). False, with nothing changed, when the session has ended.
pub async fn rotate(
    db: &Db,
    family_id: &str,
    parent_hash: &str,
    child_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    if !claim_live(&mut tx, family_id, now).await? {
        tx.rollback().await?;
        return Ok(false);
    }
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
    tx.commit().await?;
    Ok(true)
}

/// For a retired token answered inside the grace window: counts the replay and claims the
/// family live, in one transaction. Returns the replay count, or `None` when the session ended.
pub async fn record_grace_replay(
    db: &Db,
    family_id: &str,
    retired_hash: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    if !claim_live(&mut tx, family_id, now).await? {
        tx.rollback().await?;
        return Ok(None);
    }
    let replays: i64 = sqlx::query_scalar(
        "UPDATE refresh_tokens SET grace_replays = grace_replays + 1 WHERE token_hash = $1
         RETURNING grace_replays",
    )
    .bind(retired_hash)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(replays))
}

/// Revokes one family (if not already). Returns true if it was active.
pub async fn revoke_family(
    db: &Db,
    id: &str,
    reason: RevokeReason,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE refresh_families SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(reason.as_str())
    .execute(&db.pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Revokes every active family of a user except `keep` (if given). Returns how many. For a
/// change of credentials use `users::change_credentials`, which also bumps the version.
pub async fn revoke_user_families(
    db: &Db,
    user_id: &str,
    keep: Option<&str>,
    reason: RevokeReason,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    revoke_user_families_on(&mut conn, user_id, keep, reason, now).await
}

pub(super) async fn revoke_user_families_on(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    keep: Option<&str>,
    reason: RevokeReason,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE refresh_families SET revoked_at = $2, revoked_reason = $3
         WHERE user_id = $1 AND revoked_at IS NULL AND id <> $4",
    )
    .bind(user_id)
    .bind(now)
    .bind(reason.as_str())
    .bind(keep.unwrap_or(""))
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

/// Why a session ended (`refresh_families.revoked_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    Logout,
    LogoutAll,
    MfaEnabled,
    MfaDisabled,
    RecoveryCodeUsed,
    AccountDisabled,
    SignedOutByAdmin,
    MfaReset,
    EndedByUser,
    PasswordChanged,
    PasswordReset,
    RefreshTokenReused,
    PasskeyRemoved,
}

impl RevokeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::LogoutAll => "logout_all",
            Self::MfaEnabled => "mfa_enabled",
            Self::MfaDisabled => "mfa_disabled",
            Self::RecoveryCodeUsed => "recovery_code_used",
            Self::AccountDisabled => "account_disabled",
            Self::SignedOutByAdmin => "signed_out_by_admin",
            Self::MfaReset => "mfa_reset",
            Self::EndedByUser => "ended_by_user",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::PasskeyRemoved => "passkey_removed",
        }
    }
}
