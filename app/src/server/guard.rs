//! The security boundary: every protected server function and route calls `require_user` (or
//! uses the `AuthUser` extractor), which verifies the `Authorization: Bearer` token itself. A
//! missing or bad token is always a 401 `invalid_token`, never a silent anonymous user.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use super::state::AppState;
use super::tokens::{verify_access_token, AccessClaims};
use crate::error::ApiError;

/// Verifies the bearer token in `headers`. Never touches the database.
pub fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<AccessClaims, ApiError> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(ApiError::invalid_token)?
        .to_str()
        .map_err(|_| ApiError::invalid_token())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(ApiError::invalid_token)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::invalid_token());
    }
    verify_access_token(&state.keys, &state.token_policy, token.trim()).map_err(|reason| {
        tracing::debug!(%reason, "access token rejected");
        ApiError::invalid_token()
    })
}

/// For server functions: the verified claims of the caller, or 401.
pub async fn require_user() -> Result<AccessClaims, ApiError> {
    let state = super::respond::app_state()?;
    let headers: HeaderMap = leptos_axum::extract().await.map_err(|e| {
        tracing::error!(error = %e, "cannot read request headers");
        ApiError::internal()
    })?;
    authenticate(&state, &headers)
}

/// For plain axum routes: `AuthUser(claims)` or a 401 response.
pub struct AuthUser(pub AccessClaims);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(state, &parts.headers).map(AuthUser)
    }
}
