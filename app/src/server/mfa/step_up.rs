//! Checking a second-factor proof and using it up, for the login's second step and for step-up
//! (changes to credentials need the password and, when a factor is on, a current code).

use super::recovery_codes;
use super::totp::{matching_step, totp};
use super::ISSUER;
use crate::error::{ApiError, ErrorCode};
use crate::server::db::mfa;
use crate::server::db::users::UserRecord;
use crate::server::response::internal;
use crate::server::state::AppState;

/// What was presented as the second factor.
#[derive(Debug, Clone, Copy)]
pub enum Proof<'a> {
    Totp(&'a str),
    RecoveryCode(&'a str),
    /// A passkey assertion for this user that `passkeys::assertion` has already verified (and
    /// recorded: its counter is stored, so it cannot pass twice).
    Passkey,
}

impl<'a> Proof<'a> {
    /// For step-up, where one field takes either: six digits are a TOTP code, anything else a
    /// recovery code.
    pub fn guess(code: &'a str) -> Self {
        let trimmed = code.trim();
        if trimmed.len() == 6 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            Self::Totp(trimmed)
        } else {
            Self::RecoveryCode(code)
        }
    }
}

/// Which kind of proof passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Used {
    Totp,
    RecoveryCode,
    Passkey,
}

/// Checks `proof` for `user`'s confirmed factor and uses it up on `conn` (the TOTP step is
/// recorded, a recovery code spent), so the caller's transaction decides whether it counts.
/// `Ok(None)`: wrong, reused, or no confirmed factor.
pub async fn check_and_use(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    user: &UserRecord,
    proof: Proof<'_>,
    now: i64,
) -> Result<Option<Used>, ApiError> {
    match proof {
        Proof::Totp(code) => {
            let factor = mfa::find_totp(&state.db, &user.id)
                .await
                .map_err(internal)?;
            let Some(factor) = factor.filter(|f| f.confirmed) else {
                return Ok(None);
            };
            let Some(totp) = totp(&factor.secret, ISSUER, &user.username) else {
                tracing::error!(user_id = %user.id, "stored TOTP secret does not decode");
                return Err(ApiError::internal());
            };
            let Some(step) = matching_step(&totp, code, now) else {
                return Ok(None);
            };
            let fresh = mfa::accept_step(conn, &user.id, step, None).await?;
            Ok(fresh.then_some(Used::Totp))
        }
        Proof::RecoveryCode(raw) => {
            let Some(hash) = recovery_codes::hash_input(raw) else {
                return Ok(None);
            };
            let used = mfa::use_recovery_code(conn, &user.id, &hash, now).await?;
            Ok(used.then_some(Used::RecoveryCode))
        }
        Proof::Passkey => Ok(Some(Used::Passkey)),
    }
}

/// For step-up: nothing to do without a confirmed factor; else `code` (TOTP or recovery code)
/// must pass. 401 `invalid_mfa_code` when it is missing or wrong.
pub async fn require_current_code(
    state: &AppState,
    user: &UserRecord,
    code: Option<&str>,
    now: i64,
) -> Result<Option<Used>, ApiError> {
    if !mfa::has_confirmed_totp(&state.db, &user.id).await? {
        return Ok(None);
    }
    let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
        return Err(ApiError::new(
            ErrorCode::InvalidMfaCode,
            "Enter a current code from your authenticator app (or a recovery code)",
        ));
    };
    let mut conn = state.db.pool.acquire().await?;
    match check_and_use(&mut conn, state, user, Proof::guess(code), now).await? {
        Some(used) => Ok(Some(used)),
        None => Err(invalid_mfa_code()),
    }
}

pub fn invalid_mfa_code() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidMfaCode,
        "That code is not correct, or was already used",
    )
}
