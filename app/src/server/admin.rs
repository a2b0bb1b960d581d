//! What administrators (the `/api/admin` calls) and operators (`tokengate users ...`) can do to
//! an account. Each action is one transaction: the change, the sessions it ends, and its audit
//! event. Whoever calls is checked by the caller (`require_admin` for the API; the CLI runs with
//! the database's own authority). Ending sessions goes through `change_credentials`, so a login or
//! second step still in flight when an account is disabled starts nothing.

use super::audit::{self, EventKind, NewEvent, Origin};
use super::db::email_tokens::{self, LinkPurpose};
use super::db::refresh_families::RevokeReason;
use super::db::users::{self, UserRecord, ADMIN_ROLE, DEFAULT_ROLE};
use super::db::{mfa, Db};
use super::guard::live_account;
use super::public_url::PublicUrl;
use super::secret_token;
use super::state::AppState;
use super::tokens::AccessClaims;
use crate::error::{ApiError, ErrorCode};

/// Who acts: an admin's user id, or `None` for the operator at the command line.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: Option<&'a str>,
    pub origin: &'a Origin,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no such user")]
    NotFound,
    #[error("role must be `user` or `admin`")]
    BadRole,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<AdminError> for ApiError {
    fn from(err: AdminError) -> Self {
        match err {
            AdminError::NotFound => ApiError::new(ErrorCode::NotFound, "No such user"),
            AdminError::BadRole => ApiError::invalid_input("role must be \"user\" or \"admin\""),
            AdminError::Db(e) => e.into(),
        }
    }
}

/// A live session whose account is an enabled admin, checked in the database (never from the
/// token's `role` claim alone), so a demoted or disabled admin loses the power at once. 403
/// `forbidden` otherwise.
pub async fn require_admin() -> Result<(AppState, AccessClaims, UserRecord), ApiError> {
    let (state, claims, user) = live_account().await?;
    match user {
        user if user.role == ADMIN_ROLE && user.disabled_at.is_none() => Ok((state, claims, user)),
        _ => Err(ApiError::new(
            ErrorCode::Forbidden,
            "This needs an administrator",
        )),
    }
}

async fn target(db: &Db, id: &str) -> Result<UserRecord, AdminError> {
    users::find_by_id(db, id).await?.ok_or(AdminError::NotFound)
}

/// The change an action makes to the account itself.
enum Change<'a> {
    Nothing,
    Disabled(Option<i64>),
    RemoveMfa,
    Role(&'a str),
}

/// Applies `change`, ends every session of `user` if `end_sessions`, and records `kind` with
/// `actor`, in one transaction.
#[allow(clippy::too_many_arguments)]
async fn act(
    db: &Db,
    user: &UserRecord,
    actor: Actor<'_>,
    kind: EventKind,
    change: Change<'_>,
    end_sessions: Option<RevokeReason>,
    now: i64,
) -> Result<(), AdminError> {
    let mut tx = db.pool.begin().await?;
    let mut reason = None;
    match change {
        Change::Nothing => {}
        Change::Disabled(at) => {
            users::set_disabled(&mut tx, &user.id, at).await?;
        }
        Change::RemoveMfa => {
            mfa::delete_totp(&mut tx, &user.id).await?;
            // Passkeys are second factors of an account with a password; for a passkey-only
            // account they are its only way in, and stay (a reset link sets a password).
            if user.has_password() {
                super::db::passkeys::delete_all(&mut tx, &user.id).await?;
            }
        }
        Change::Role(role) => {
            users::set_role(&mut tx, &user.id, role).await?;
            reason = Some(role);
        }
    }
    if let Some(revoke) = end_sessions {
        users::change_credentials_in(&mut tx, &user.id, None, None, revoke, now).await?;
    }
    let mut event = NewEvent::by_user(kind, &user.id, actor.origin, now).actor(actor.id);
    if let Some(reason) = reason {
        event = event.reason(reason);
    }
    audit::record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Disables the account and ends its sessions at once (its access tokens keep passing the
/// stateless `/api/me` until they expire).
pub async fn disable(db: &Db, id: &str, actor: Actor<'_>, now: i64) -> Result<(), AdminError> {
    let user = target(db, id).await?;
    let revoke = Some(RevokeReason::AccountDisabled);
    let kind = EventKind::AccountDisabled;
    act(
        db,
        &user,
        actor,
        kind,
        Change::Disabled(Some(now)),
        revoke,
        now,
    )
    .await
}

pub async fn enable(db: &Db, id: &str, actor: Actor<'_>, now: i64) -> Result<(), AdminError> {
    let user = target(db, id).await?;
    let kind = EventKind::AccountEnabled;
    act(db, &user, actor, kind, Change::Disabled(None), None, now).await
}

/// Ends every session of the account.
pub async fn sign_out(db: &Db, id: &str, actor: Actor<'_>, now: i64) -> Result<(), AdminError> {
    let user = target(db, id).await?;
    let revoke = Some(RevokeReason::SignedOutByAdmin);
    act(
        db,
        &user,
        actor,
        EventKind::SignedOutByAdmin,
        Change::Nothing,
        revoke,
        now,
    )
    .await
}

/// Removes the second factor (for a user who lost both the app and the recovery codes) and ends
/// every session.
pub async fn reset_mfa(db: &Db, id: &str, actor: Actor<'_>, now: i64) -> Result<(), AdminError> {
    let user = target(db, id).await?;
    let revoke = Some(RevokeReason::MfaReset);
    act(
        db,
        &user,
        actor,
        EventKind::MfaReset,
        Change::RemoveMfa,
        revoke,
        now,
    )
    .await
}

/// Sets the role; the user's tokens carry it from their session's next refresh (admin calls
/// check the database at once).
pub async fn set_role(
    db: &Db,
    id: &str,
    role: &str,
    actor: Actor<'_>,
    now: i64,
) -> Result<(), AdminError> {
    if role != ADMIN_ROLE && role != DEFAULT_ROLE {
        return Err(AdminError::BadRole);
    }
    let user = target(db, id).await?;
    act(
        db,
        &user,
        actor,
        EventKind::RoleChanged,
        Change::Role(role),
        None,
        now,
    )
    .await
}

/// Deletes the account (its sessions go with it); the audit trail keeps the record.
pub async fn delete(db: &Db, id: &str, actor: Actor<'_>, now: i64) -> Result<(), AdminError> {
    let user = target(db, id).await?;
    users::delete(db, &user.id).await?;
    let event =
        NewEvent::by_user(EventKind::AccountDeleted, &user.id, actor.origin, now).actor(actor.id);
    let mut conn = db.pool.acquire().await?;
    audit::record(&mut conn, &event).await?;
    Ok(())
}

/// A one-time password-reset link for the account, for the operator to hand over (accounts
/// without a verified address cannot get one by mail). Works like a mailed link: once, for
/// `ttl_secs`, only the newest.
pub async fn reset_password_link(
    db: &Db,
    public_url: &PublicUrl,
    id: &str,
    ttl_secs: i64,
    now: i64,
) -> Result<String, AdminError> {
    let user = target(db, id).await?;
    let token = secret_token::generate();
    let mut conn = db.pool.acquire().await?;
    // Bound to no address: `email_key` empty marks a link handed over by an operator.
    email_tokens::replace(
        &mut conn,
        &secret_token::hash(&token),
        &user.id,
        LinkPurpose::PasswordReset,
        "",
        "",
        now,
        ttl_secs,
    )
    .await?;
    Ok(public_url.join(&format!("/reset-password?token={token}")))
}
