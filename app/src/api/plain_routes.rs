//! The API endpoints that are plain axum handlers rather than server functions: `/api/me` (the
//! hottest protected call, served without the server-function dispatch: see `me`) and `DELETE
//! /api/auth/sessions/{id}` (a REST-style path parameter, which server functions do not take).

use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::{Json, Router};

use super::sessions::end_session_of;
use super::{CurrentUser, SessionsEnded};
use crate::error::ApiError;
use crate::server::guard::{ensure_live, AuthUser};
use crate::server::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me).post(me))
        .route("/api/auth/sessions/{id}", delete(delete_session))
}

/// `GET /api/me` (and `POST`, for API clients that only POST): the caller from the token alone.
///
/// The WASM calls it through the `me` server function, whose route the server leaves out
/// (`server::routes`) so this handler answers instead: the same path, method, JSON and errors,
/// without Leptos's per-call work (a reactive owner, the request parts copied into its context,
/// the server-function lookup), which cost a stateless call about a fifth of its throughput.
async fn me(AuthUser(claims): AuthUser) -> Json<CurrentUser> {
    Json(CurrentUser::from_claims(claims))
}

async fn delete_session(
    State(state): State<AppState>,
    AuthUser(claims): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<SessionsEnded>, ApiError> {
    ensure_live(&state, &claims).await?;
    end_session_of(&state, &claims.sub, &id).await.map(Json)
}
