//! Small helpers shared by the server functions: state access, error mapping, token responses,
//! and `ApiError` as an axum response (the status comes from `ErrorCode::status`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::use_context;

use super::db::users::UserRecord;
use super::now_unix;
use super::state::AppState;
use super::tokens::{issue_access_token, Subject};
use crate::api::{PublicUser, TokenResponse};
use crate::error::{ApiError, ErrorCode};

pub fn app_state() -> Result<AppState, ApiError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server-function context");
        ApiError::internal()
    })
}

/// Logs a database error and maps it: unreachable database -> 503, anything else -> 500.
pub fn db_error(err: sqlx::Error) -> ApiError {
    if super::db::is_unavailable(&err) {
        tracing::warn!(error = %err, "database unavailable");
        ApiError::service_unavailable()
    } else {
        tracing::error!(error = %err, "database error");
        ApiError::internal()
    }
}

/// Logs any other internal failure and returns a 500 that leaks nothing.
pub fn internal(err: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %err, "internal error");
    ApiError::internal()
}

/// Signs an access token for `user` and builds the login/sign-up response body.
pub fn token_response(state: &AppState, user: &UserRecord) -> Result<TokenResponse, ApiError> {
    let (access_token, _) = issue_access_token(
        &state.keys,
        &state.token_policy,
        Subject {
            user_id: &user.id,
            username: &user.username,
            role: &user.role,
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

/// Sets the status of the current server-function response.
pub fn set_status(status: StatusCode) {
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(status);
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&self)).into_response();
        if self.error == ErrorCode::InvalidToken {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The peer address of the current request (the TCP peer; proxies are not trusted).
pub async fn client_ip() -> std::net::IpAddr {
    use axum::extract::ConnectInfo;
    leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>()
        .await
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}
