//! `POST /api/auth/refresh`: rotation of the refresh cookie (see `server/refresh_rotation.rs`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::TokenResponse;
use crate::client::ApiClient;
use crate::error::ApiError;

/// The DPoP binding of the session `presented` belongs to, checked (refusals are recorded).
#[cfg(feature = "ssr")]
async fn check_binding(
    state: &crate::server::state::AppState,
    presented: &str,
    origin: &crate::server::audit::Origin,
    now: i64,
) -> Result<(), ApiError> {
    use crate::server::audit::{self, EventKind, NewEvent};
    use crate::server::db::refresh_families as store;
    use crate::server::request::with_parts;

    let hash = crate::server::secret_token::hash(presented);
    let Some(token) = store::find_token(&state.db, &hash).await? else {
        return Ok(());
    };
    let Some(family) = store::find_family(&state.db, &token.family_id).await? else {
        return Ok(());
    };
    let jkt = family.dpop_jkt.as_deref();
    let checked = with_parts(|parts| crate::server::dpop::check_refresh(state, parts, jkt))?;
    if let Err(refused) = checked {
        let event = NewEvent::by_user(EventKind::DpopRefused, &family.user_id, origin, now)
            .actor(None)
            .session(&family.id)
            .reason("refresh");
        audit::record_alone(state, &event).await?;
        return Err(refused);
    }
    Ok(())
}

/// Exchanges the refresh cookie for a new access token and a new refresh cookie (rotation).
/// 401 `invalid_refresh_token` when missing, unknown or ended; 401 `refresh_token_reused` when a
/// retired token comes back after the grace window (the whole session is then revoked).
#[server(prefix = "/api", endpoint = "auth/refresh", input = Json, client = ApiClient)]
pub async fn refresh() -> Result<TokenResponse, ApiError> {
    use crate::error::ErrorCode;
    use crate::server::cookies::{
        clear_refresh_cookie, presented_refresh_token, set_refresh_cookie,
    };
    use crate::server::db::users;
    use crate::server::refresh_rotation::{self, RefreshError};
    use crate::server::session_start::token_response;
    use crate::server::state::app_state;
    use crate::server::throttle::too_many_attempts;

    let state = app_state()?;
    let now = crate::server::now_unix();
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidRefreshToken,
            "Your session has ended. Please log in again.",
        )
    };
    let Some(presented) = presented_refresh_token(&state.refresh_cookie)? else {
        return Err(invalid());
    };
    let origin = crate::server::audit::Origin::current(&state);
    // A session bound to a DPoP key refreshes only with a proof by that key, checked before the
    // token is exchanged (a stolen cookie without the key must not rotate the owner's out).
    check_binding(&state, &presented, &origin, now).await?;
    let outcome =
        refresh_rotation::refresh(&state.db, &state.sessions, &presented, now, &origin).await;
    use crate::server::metrics_names::refresh as counted;
    let (family, token) = match outcome {
        Ok(ok) => {
            counted("rotated");
            ok
        }
        Err(RefreshError::Db(e)) => return Err(e.into()),
        Err(RefreshError::TooMany) => {
            counted("too_many");
            return Err(too_many_attempts(refresh_rotation::REFRESH_WINDOW_SECS));
        }
        Err(RefreshError::Reused) => {
            counted("reused");
            clear_refresh_cookie(&state.refresh_cookie);
            return Err(ApiError::new(
                ErrorCode::RefreshTokenReused,
                "This session was ended because an old refresh token was used again. Please log in again.",
            ));
        }
        Err(RefreshError::Unknown | RefreshError::Ended) => {
            counted("ended");
            clear_refresh_cookie(&state.refresh_cookie);
            return Err(invalid());
        }
    };
    let user = users::find_by_id(&state.db, &family.user_id)
        .await?
        .ok_or_else(invalid)?;
    set_refresh_cookie(&state.refresh_cookie, &token, family.expires_at - now);
    token_response(&state, &user, &family)
}
