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

/// Signs an access token for `user` in session `session_id` and builds the response body.
pub fn token_response(
    state: &AppState,
    user: &UserRecord,
    session_id: &str,
) -> Result<TokenResponse, ApiError> {
    let (access_token, _) = issue_access_token(
        &state.keys.load(),
        &state.token_policy,
        Subject {
            user_id: &user.id,
            username: &user.username,
            role: &user.role,
            session_id,
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

/// Sets the refresh-token cookie: `HttpOnly; SameSite=Strict; Path=/api/auth`, and `Secure`
/// unless the site is reached over plain HTTP on a loopback host (local development).
pub async fn set_refresh_cookie(token: &str, max_age_secs: i64) {
    let secure = if is_plain_loopback().await {
        ""
    } else {
        "; Secure"
    };
    let cookie = format!(
        "{}={token}; HttpOnly; SameSite=Strict; Path={}; Max-Age={}{secure}",
        super::sessions::REFRESH_COOKIE,
        super::sessions::REFRESH_COOKIE_PATH,
        max_age_secs.max(0)
    );
    append_set_cookie(&cookie);
}

/// Deletes the refresh-token cookie.
pub async fn clear_refresh_cookie() {
    let secure = if is_plain_loopback().await {
        ""
    } else {
        "; Secure"
    };
    let cookie = format!(
        "{}=; HttpOnly; SameSite=Strict; Path={}; Max-Age=0{secure}",
        super::sessions::REFRESH_COOKIE,
        super::sessions::REFRESH_COOKIE_PATH,
    );
    append_set_cookie(&cookie);
}

fn append_set_cookie(cookie: &str) {
    if let (Some(options), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(cookie),
    ) {
        options.append_header(header::SET_COOKIE, value);
    }
}

async fn is_plain_loopback() -> bool {
    let Ok(headers) = leptos_axum::extract::<axum::http::HeaderMap>().await else {
        return false;
    };
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    !forwarded_https && matches!(name, "localhost" | "127.0.0.1" | "[::1]")
}

/// The refresh token from the request's cookie, if any.
pub async fn refresh_cookie() -> Option<String> {
    let jar = leptos_axum::extract::<axum_extra::extract::CookieJar>()
        .await
        .ok()?;
    jar.get(super::sessions::REFRESH_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// The request's User-Agent (for the sessions list), bounded.
pub async fn user_agent() -> String {
    leptos_axum::extract::<axum::http::HeaderMap>()
        .await
        .ok()
        .and_then(|h| {
            h.get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(256).collect())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Starts a session for `user`: refresh cookie set, access token returned.
pub async fn start_session(state: &AppState, user: &UserRecord) -> Result<TokenResponse, ApiError> {
    let now = now_unix();
    let agent = user_agent().await;
    let (family, refresh) =
        super::sessions::start(&state.db, &state.sessions, &user.id, &agent, now)
            .await
            .map_err(db_error)?;
    set_refresh_cookie(&refresh, family.expires_at - now).await;
    token_response(state, user, &family.id)
}
