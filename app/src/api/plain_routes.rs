//! The two API endpoints that are plain axum handlers rather than server functions: `POST
//! /api/me` (API clients that only POST) and `DELETE /api/auth/sessions/{id}` (a REST-style path
//! parameter, which server functions do not take).

use axum::extract::{Path, State};
use axum::routing::{delete, post};
use axum::{Json, Router};

use super::sessions::end_session_of;
use super::{CurrentUser, SessionsEnded};
use crate::error::ApiError;
use crate::server::guard::{ensure_live, AuthUser};
use crate::server::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/me", post(me_post))
        .route("/api/auth/sessions/{id}", delete(delete_session))
}

/// `GET /api/me`'s twin: the caller from the token alone.
async fn me_post(AuthUser(claims): AuthUser) -> Json<CurrentUser> {
    Json(CurrentUser {
        id: claims.sub,
        username: claims.username,
        role: claims.role,
    })
}

async fn delete_session(
    State(state): State<AppState>,
    AuthUser(claims): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<SessionsEnded>, ApiError> {
    ensure_live(&state, &claims).await?;
    end_session_of(&state, &claims.sub, &id).await.map(Json)
}
