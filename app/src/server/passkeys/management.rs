//! The account page's passkey list: step-up for changes, adding, renaming and removing, with
//! the rule that an account always keeps a way in, a notice for each change, and its event.

use super::registration::{self, DEFAULT_NAME};
use super::{clean_name, RECENT_SIGN_IN_SECS};
use crate::api::passkeys::PasskeyInfo;
use crate::error::{ApiError, ErrorCode};
use crate::server::audit::{self, EventKind};
use crate::server::db::passkeys as store;
use crate::server::db::refresh_families::{self, RevokeReason};
use crate::server::db::users::{self, UserRecord};
use crate::server::guard::{live_account, reauthenticate, Reauthenticated};
use crate::server::mail::{templates, MailPurpose};
use crate::server::recovery::notices;
use crate::server::state::AppState;

/// Step-up for a passkey change: the password (and a current code when TOTP is on), as for
/// every credential change; an account without a password instead needs a session started in
/// the last `RECENT_SIGN_IN_SECS` (sign in with a passkey again).
pub async fn step_up(
    password: Option<String>,
    code: Option<String>,
) -> Result<Reauthenticated, ApiError> {
    let (state, claims, user) = live_account().await?;
    if user.has_password() {
        return reauthenticate(password.unwrap_or_default(), code).await;
    }
    let family = refresh_families::find_family(&state.db, &claims.sid).await?;
    let now = crate::server::now_unix();
    match family {
        Some(f) if now - f.created_at <= RECENT_SIGN_IN_SECS => Ok(Reauthenticated {
            state,
            claims,
            user,
        }),
        _ => Err(ApiError::new(
            ErrorCode::ReauthenticationRequired,
            "Sign in again with your passkey to make this change",
        )),
    }
}

/// Stores a passkey that just passed registration for `user`, with its event and notice.
pub async fn add(
    state: &AppState,
    user: &UserRecord,
    session_id: &str,
    passkey: &webauthn_rs::prelude::Passkey,
    name: &str,
    now: i64,
) -> Result<PasskeyInfo, ApiError> {
    let mut tx = state.db.pool.begin().await?;
    let row = registration::store(&mut tx, &user.id, passkey, name, now).await?;
    let kind = EventKind::PasskeyAdded;
    audit::by_user_in(&mut tx, state, kind, &user.id, Some(session_id), now).await?;
    let render = |ctx: &_| templates::passkey_added(&user.username, &row.name, ctx);
    let purpose = MailPurpose::NoticePasskeyAdded;
    notices::to_verified_address(&mut tx, state, user, purpose, render, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user_id = %user.id, passkey = %row.id, "passkey added");
    Ok(registration::info(&row))
}

pub async fn rename(
    state: &AppState,
    user: &UserRecord,
    id: &str,
    name: &str,
) -> Result<PasskeyInfo, ApiError> {
    let name = clean_name(name, DEFAULT_NAME)?;
    let row = store::rename(&state.db, &user.id, id, &name)
        .await?
        .ok_or_else(not_found)?;
    Ok(registration::info(&row))
}

/// Removes one of the caller's passkeys. Every other session ends (the passkey may have been
/// someone else's way in). 409 `last_credential` when it is the only way in left: an account
/// without a password keeps its last passkey. The count is taken after the account's row is
/// locked (the credentials-version bump), so two removals racing cannot both pass.
pub async fn remove(
    state: &AppState,
    user: &UserRecord,
    session_id: &str,
    id: &str,
    now: i64,
) -> Result<(), ApiError> {
    let row = store::find(&state.db, &user.id, id)
        .await?
        .ok_or_else(not_found)?;
    let mut tx = state.db.pool.begin().await?;
    let reason = RevokeReason::PasskeyRemoved;
    let keep = Some(session_id);
    users::change_credentials_in(&mut tx, &user.id, None, keep, reason, now).await?;
    if !store::delete(&mut tx, &user.id, id).await? {
        return Err(not_found());
    }
    if store::count_on(&mut tx, &user.id).await? == 0 && !user.has_password() {
        return Err(ApiError::new(
            ErrorCode::LastCredential,
            "This is your only way to sign in. Add another passkey (or set a password) first.",
        ));
    }
    let kind = EventKind::PasskeyRemoved;
    audit::by_user_in(&mut tx, state, kind, &user.id, keep, now).await?;
    let render = |ctx: &_| templates::passkey_removed(&user.username, &row.name, ctx);
    let purpose = MailPurpose::NoticePasskeyRemoved;
    notices::to_verified_address(&mut tx, state, user, purpose, render, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user_id = %user.id, passkey = %row.id, "passkey removed");
    Ok(())
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "No such passkey on this account")
}
