//! `GET /api/me` (also `POST`), `GET /api/account`: protected by the bearer token.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::{AccountDetails, CurrentUser};
use crate::client::ApiClient;
use crate::error::ApiError;

/// Who the caller is, straight from the verified token: no database trip. On the server,
/// `GET /api/me` is the plain handler `plain_routes::me` (this function's route is left out of
/// the router); this body answers only where the function is called in-process.
#[server(prefix = "/api", endpoint = "me", input = GetUrl, client = ApiClient)]
pub async fn me() -> Result<CurrentUser, ApiError> {
    let claims = crate::server::guard::require_user().await?;
    Ok(CurrentUser::from_claims(claims))
}

/// The caller's account record from the database (what only the server knows). Needs a live
/// session: a token of an ended session reads nothing more.
#[server(prefix = "/api", endpoint = "account", input = GetUrl, client = ApiClient)]
pub async fn account() -> Result<AccountDetails, ApiError> {
    use crate::server::db::{email_tokens, mfa};

    let (state, _, user) = crate::server::guard::live_account().await?;
    let now = crate::server::now_unix();
    let pending = email_tokens::pending_address(&state.db, &user.id, now).await?;
    let email_verified = user.email_verified_at.is_some();
    let mfa_enabled = mfa::has_confirmed_totp(&state.db, &user.id).await?;
    let recovery_codes_left = mfa::recovery_codes_left(&state.db, &user.id).await?;
    let passkeys = crate::server::db::passkeys::count(&state.db, &user.id).await?;
    let has_password = user.has_password();
    let current = user.email.as_deref();
    let pending_email = pending.filter(|p| current.is_none_or(|e| !e.eq_ignore_ascii_case(p)));
    Ok(AccountDetails {
        id: user.id,
        username: user.username,
        role: user.role,
        created_at: user.created_at,
        email: user.email,
        email_verified,
        pending_email,
        mfa_enabled,
        recovery_codes_left,
        has_password,
        passkeys,
    })
}

/// Deletes the caller's account and every session of it. Needs a live session, the password and,
/// with a second factor, a current `code`. 401 `invalid_credentials` for a wrong password, 401
/// `invalid_mfa_code`.
#[server(prefix = "/api", endpoint = "account/delete", input = leptos::server_fn::codec::Json, client = ApiClient)]
pub async fn delete_account(
    password: String,
    #[server(default)] code: Option<String>,
) -> Result<super::LoggedOut, ApiError> {
    use crate::server::cookies::clear_refresh_cookie;
    use crate::server::db::users;
    use crate::server::guard::{reauthenticate, Reauthenticated};

    let Reauthenticated { state, user, .. } = reauthenticate(password, code).await?;
    users::delete(&state.db, &user.id).await?;
    let origin = crate::server::audit::Origin::current(&state);
    let kind = crate::server::audit::EventKind::AccountDeleted;
    let now = crate::server::now_unix();
    let event = crate::server::audit::NewEvent::by_user(kind, &user.id, &origin, now);
    crate::server::audit::record_alone(&state, &event).await?;
    clear_refresh_cookie(&state.refresh_cookie);
    tracing::info!(user_id = %user.id, "account deleted");
    Ok(super::LoggedOut { logged_out: true })
}
