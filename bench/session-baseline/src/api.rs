//! `GET /api/me`: the counterpart of the product's protected server function `me`, with the same
//! JSON shape, but the caller comes from a server-side session instead of a verified JWT.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, JsonEncoding};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub username: String,
    pub role: String,
}

/// `{"error": <code>, "message": <text>}`, the product's error body shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub error: String,
    pub message: String,
}

impl ApiError {
    fn not_logged_in() -> Self {
        Self {
            error: "not_logged_in".into(),
            message: "No logged-in session".into(),
        }
    }

    fn internal() -> Self {
        Self {
            error: "internal".into(),
            message: "Something went wrong on our side".into(),
        }
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_: ServerFnErrorErr) -> Self {
        Self::internal()
    }
}

#[server(prefix = "/api", endpoint = "me", input = GetUrl)]
pub async fn me() -> Result<CurrentUser, ApiError> {
    use crate::auth::AuthSession;
    use axum::http::StatusCode;
    use leptos_axum::ResponseOptions;

    // Provided by the server-function handler; missing only if the router is mis-wired.
    let auth = use_context::<AuthSession>().ok_or_else(ApiError::internal)?;
    // `current_user` is `None` for an anonymous session and for a session whose user is gone.
    match auth.current_user {
        Some(user) => Ok(CurrentUser {
            id: user.id.to_string(),
            username: user.username,
            role: user.role,
        }),
        None => {
            if let Some(response) = use_context::<ResponseOptions>() {
                response.set_status(StatusCode::UNAUTHORIZED);
            }
            Err(ApiError::not_logged_in())
        }
    }
}
