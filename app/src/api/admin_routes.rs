//! The REST paths of the admin API that carry an id (`GET /api/admin/users/{id}`, `POST
//! /api/admin/users/{id}/{disable|enable|sign-out|reset-mfa|role}`): plain axum handlers, since
//! server functions take no path parameters. They share `admin::bodies` with the server
//! functions the pages call.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::admin::{bodies, AdminDone, UserDetails};
use crate::error::{ApiError, ErrorCode};
use crate::server::audit::Origin;
use crate::server::db::users::{self, ADMIN_ROLE};
use crate::server::guard::{authenticate, ensure_live};
use crate::server::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/users/{id}", get(user))
        .route("/api/admin/users/{id}/{action}", post(act))
}

/// An enabled admin with a live session, checked in the database, and where the request came
/// from.
struct Admin {
    id: String,
    origin: Origin,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let claims = authenticate(state, parts).await?;
        ensure_live(state, &claims).await?;
        let user = users::find_by_id(&state.db, &claims.sub).await?;
        match user {
            Some(user) if user.role == ADMIN_ROLE && user.disabled_at.is_none() => Ok(Self {
                id: user.id,
                origin: Origin::of(state, parts),
            }),
            _ => Err(ApiError::new(
                ErrorCode::Forbidden,
                "This needs an administrator",
            )),
        }
    }
}

async fn user(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> Result<Json<UserDetails>, ApiError> {
    bodies::user(&state, &id).await.map(Json)
}

#[derive(Debug, Default, Deserialize)]
struct ActBody {
    role: Option<String>,
}

async fn act(
    State(state): State<AppState>,
    admin: Admin,
    Path((id, action)): Path<(String, String)>,
    body: Option<Json<ActBody>>,
) -> Result<Json<AdminDone>, ApiError> {
    let role = body.and_then(|Json(b)| b.role);
    bodies::act(
        &state,
        &admin.id,
        &admin.origin,
        &id,
        &action,
        role.as_deref(),
    )
    .await
    .map(Json)
}
