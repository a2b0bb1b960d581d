//! The answer of sign-up, login (and, later, every other way in): a new session (refresh
//! family) with its cookie, and the first access token.

use super::cookies::set_refresh_cookie;
use super::db::refresh_families::StartError;
use super::db::users::UserRecord;
use super::now_unix;
use super::request::{user_agent, with_parts};
use super::response::internal;
use super::state::AppState;
use super::tokens::{issue_access_token, Subject};
use crate::api::{PublicUser, TokenResponse};
use crate::error::ApiError;

/// How a session was started: the `amr` of all its access tokens.
pub const AMR_PASSWORD: &str = "pwd";
/// Password plus a TOTP or recovery code (a recovery code is a one-time password too).
pub const AMR_PASSWORD_AND_OTP: &str = "pwd otp mfa";

/// Starts a session for `user`, as read when their credentials were checked: refresh cookie
/// set, access token returned. If the credentials changed since (a password change or deletion
/// racing this login), no session starts and the answer is 401 `invalid_credentials`.
pub async fn start_session(state: &AppState, user: &UserRecord) -> Result<TokenResponse, ApiError> {
    start_session_with(state, user, AMR_PASSWORD).await
}

/// `start_session` for a login that proved `amr` (space-separated RFC 8176 values).
pub async fn start_session_with(
    state: &AppState,
    user: &UserRecord,
    amr: &str,
) -> Result<TokenResponse, ApiError> {
    let now = now_unix();
    let agent = with_parts(|parts| user_agent(&parts.headers))?;
    let started =
        super::refresh_rotation::start(&state.db, &state.sessions, user, &agent, amr, now).await;
    let (family, refresh) = match started {
        Ok(started) => started,
        Err(StartError::CredentialsChanged) => {
            tracing::info!(user_id = %user.id, "login lost a race with a credentials change");
            return Err(ApiError::invalid_credentials());
        }
        Err(StartError::Db(e)) => return Err(e.into()),
    };
    set_refresh_cookie(&state.refresh_cookie, &refresh, family.expires_at - now);
    token_response(state, user, &family.id, &family.amr)
}

/// Signs an access token for `user` in session `session_id` and builds the response body.
pub fn token_response(
    state: &AppState,
    user: &UserRecord,
    session_id: &str,
    amr: &str,
) -> Result<TokenResponse, ApiError> {
    let (access_token, _) = issue_access_token(
        &state.keys.load(),
        &state.token_policy,
        Subject {
            user_id: &user.id,
            username: &user.username,
            role: &user.role,
            session_id,
            amr,
        },
        now_unix(),
    )
    .map_err(internal)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.token_policy.ttl_secs,
        user: PublicUser {
            id: user.id.clone(),
            username: user.username.clone(),
        },
    })
}
