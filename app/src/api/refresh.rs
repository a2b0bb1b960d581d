//! `POST /api/auth/refresh`: rotation of the refresh cookie (see `server/sessions.rs`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::TokenResponse;
use crate::client::ApiClient;
use crate::error::ApiError;

/// Exchanges the refresh cookie for a new access token and a new refresh cookie (rotation).
/// 401 `invalid_refresh_token` when missing, unknown or ended; 401 `refresh_token_reused` when a
/// retired token comes back after the grace window (the whole session is then revoked).
#[server(prefix = "/api", endpoint = "auth/refresh", input = Json, client = ApiClient)]
pub async fn refresh() -> Result<TokenResponse, ApiError> {
    use crate::error::ErrorCode;
    use crate::server::db::users;
    use crate::server::respond::{
        app_state, clear_refresh_cookie, db_error, refresh_cookie, set_refresh_cookie,
        token_response,
    };
    use crate::server::sessions::{self, RefreshError};

    let state = app_state()?;
    let now = crate::server::now_unix();
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidRefreshToken,
            "Your session has ended. Please log in again.",
        )
    };
    let Some(presented) = refresh_cookie().await else {
        return Err(invalid());
    };
    let outcome = sessions::refresh(&state.db, &state.sessions, &presented, now).await;
    let (family, token) = match outcome {
        Ok(ok) => ok,
        Err(RefreshError::Db(e)) => return Err(db_error(e)),
        Err(RefreshError::Reused) => {
            clear_refresh_cookie().await;
            return Err(ApiError::new(
                ErrorCode::RefreshTokenReused,
                "This session was ended because an old refresh token was used again. Please log in again.",
            ));
        }
        Err(RefreshError::Unknown | RefreshError::Ended) => {
            clear_refresh_cookie().await;
            return Err(invalid());
        }
    };
    let user = users::find_by_id(&state.db, &family.user_id)
        .await
        .map_err(db_error)?
        .ok_or_else(invalid)?;
    set_refresh_cookie(&token, family.expires_at - now).await;
    token_response(&state, &user, &family.id)
}
