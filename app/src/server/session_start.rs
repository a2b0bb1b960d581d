//! The answer of sign-up, login (and, later, every other way in): a new session (refresh
//! family) with its cookie, and the first access token.

use super::audit::{self, EventKind, NewEvent, Origin};
use super::cookies::set_refresh_cookie;
use super::db::refresh_families::StartError;
use super::db::users::UserRecord;
use super::dpop::TokenBinding;
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
/// racing this login), no session starts and the answer is 401 `invalid_credentials`. The
/// session is bound to `binding`, which the handler got before it checked any credential.
pub async fn start_session(
    state: &AppState,
    user: &UserRecord,
    binding: TokenBinding,
) -> Result<TokenResponse, ApiError> {
    let login = Some(EventKind::LoginSucceeded);
    start_session_with(state, user, binding, AMR_PASSWORD, login).await
}

/// `start_session` for a login that proved `amr` (space-separated RFC 8176 values), recording
/// `event` (with the new session) and the login time when given. A disabled account gets no
/// session: 403 `account_disabled` (only ever said after its credentials were checked).
pub async fn start_session_with(
    state: &AppState,
    user: &UserRecord,
    binding: TokenBinding,
    amr: &str,
    event: Option<EventKind>,
) -> Result<TokenResponse, ApiError> {
    let now = now_unix();
    let origin = Origin::current(state);
    if user.disabled_at.is_some() {
        let refused = NewEvent::by_user(EventKind::LoginFailed, &user.id, &origin, now)
            .reason("account_disabled");
        audit::record_alone(state, &refused).await?;
        return Err(account_disabled());
    }
    let agent = with_parts(|parts| user_agent(&parts.headers))?;
    let jkt = binding.jkt();
    let sessions = &state.sessions;
    let login = event.map(|kind| (kind, &origin));
    let started =
        super::refresh_rotation::start(&state.db, sessions, user, &agent, amr, jkt, login, now)
            .await;
    let (family, refresh) = match started {
        Ok(started) => started,
        Err(StartError::CredentialsChanged) => {
            tracing::info!(user_id = %user.id, "login lost a race with a credentials change");
            return Err(ApiError::invalid_credentials());
        }
        Err(StartError::Db(e)) => return Err(e.into()),
    };
    set_refresh_cookie(&state.refresh_cookie, &refresh, family.expires_at - now);
    token_response(state, user, &family)
}

/// The first session of an account just created (sign-up): 201. If it cannot start, the account
/// is deleted again (best effort): a sign-up that answered an error must not leave an account
/// behind, or the retry would meet "username taken" (with the database gone this fails too, and
/// logging in with the new credentials works).
pub async fn first_session(
    state: &AppState,
    user: &UserRecord,
    binding: TokenBinding,
    amr: &str,
) -> Result<TokenResponse, ApiError> {
    match start_session_with(state, user, binding, amr, None).await {
        Ok(response) => {
            super::response::set_status(axum::http::StatusCode::CREATED);
            Ok(response)
        }
        Err(err) => {
            let _ = super::db::users::delete(&state.db, &user.id).await;
            Err(err)
        }
    }
}

pub fn account_disabled() -> ApiError {
    ApiError::new(
        crate::error::ErrorCode::AccountDisabled,
        "This account has been disabled by an administrator",
    )
}

/// Signs an access token for `user` in session `family` (bound to its DPoP key, if it is) and
/// builds the response body.
pub fn token_response(
    state: &AppState,
    user: &UserRecord,
    family: &super::db::refresh_families::Family,
) -> Result<TokenResponse, ApiError> {
    let dpop_jkt = family.dpop_jkt.as_deref();
    let (access_token, _) = issue_access_token(
        &state.keys.load(),
        &state.token_policy,
        Subject {
            user_id: &user.id,
            username: &user.username,
            role: &user.role,
            session_id: &family.id,
            amr: &family.amr,
            dpop_jkt,
        },
        now_unix(),
    )
    .map_err(internal)?;
    Ok(TokenResponse {
        access_token,
        token_type: if dpop_jkt.is_some() { "DPoP" } else { "Bearer" }.into(),
        expires_in: state.token_policy.ttl_secs,
        user: PublicUser {
            id: user.id.clone(),
            username: user.username.clone(),
        },
    })
}
