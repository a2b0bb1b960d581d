//! The edge of the JSON API (`/api/...`): bad input is refused here with a stable 4xx before any
//! server function runs (bodies that are not a JSON object, too large, of another type), and
//! every answer is marked `Cache-Control: no-store`.
//!
//! The endpoints that read or set the refresh cookie (login, sign-up, refresh, logout, password-reset confirmation) are a
//! browser's ambient authority, so they also refuse cross-origin requests and anything but a
//! JSON content type (which a cross-site `<form>` cannot send), body or not.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::{ApiError, ErrorCode};
use app::server::request::is_cross_origin;
use app::server::state::AppState;

/// The endpoints a browser authenticates to with the refresh cookie.
const COOKIE_ENDPOINTS: [&str; 9] = [
    "/api/auth/login",
    "/api/auth/signup",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/auth/password-reset/confirm",
    "/api/auth/mfa/verify",
    "/api/auth/mfa/passkey/finish",
    "/api/auth/passkeys/login/finish",
    "/api/auth/passkeys/signup/finish",
];

/// Largest accepted request body: credentials are tiny.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub async fn api_boundary(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !(path.starts_with("/api/") || path == "/api") {
        return next.run(req).await;
    }
    // Other methods get their 405 below.
    if req.method() == Method::POST && COOKIE_ENDPOINTS.contains(&path) {
        if let Err(err) = check_cookie_endpoint(&state, req.headers()) {
            return with_api_headers(err.into_response());
        }
    }
    // Server functions only know GET; hyper drops the body of the answer to a HEAD itself.
    if req.method() == Method::HEAD {
        *req.method_mut() = Method::GET;
    }
    let req = match check_request(req).await {
        Ok(req) => req,
        Err(err) => return with_api_headers(err.into_response()),
    };
    let response = next.run(req).await;
    with_api_headers(map_method_not_allowed(response))
}

fn check_cookie_endpoint(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if is_cross_origin(headers, &state.public_url) {
        tracing::warn!("cross-origin request to a cookie endpoint refused");
        return Err(ApiError::new(
            ErrorCode::CrossOriginRequest,
            "Requests from other sites are not accepted here",
        ));
    }
    if !is_json(headers) {
        return Err(json_required());
    }
    Ok(())
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

fn json_required() -> ApiError {
    ApiError::new(
        ErrorCode::UnsupportedMediaType,
        "Send the request body as JSON with Content-Type: application/json",
    )
}

async fn check_request(req: Request) -> Result<Request, ApiError> {
    if !matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return Ok(req);
    }
    let (mut parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("The request body must be at most {MAX_BODY_BYTES} bytes"),
        )
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        // No body at all: treat as an empty JSON object (e.g. `curl -X POST .../logout`).
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        parts.headers.remove(header::CONTENT_LENGTH);
        return Ok(Request::from_parts(parts, Body::from("{}")));
    }
    if !is_json(&parts.headers) {
        return Err(json_required());
    }
    // serde_json refuses nesting deeper than 128 levels, which bounds the JSON depth.
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|_| ApiError::new(ErrorCode::InvalidJson, "The request body is not valid JSON"))?;
    if !value.is_object() {
        return Err(ApiError::invalid_input(
            "The request body must be a JSON object",
        ));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// axum's own 405 (a method no route has) gets the API's JSON error. Server-function errors
/// already carry their status: `ApiError::ser` sets it as they leave the function.
fn map_method_not_allowed(response: Response) -> Response {
    let from_server_fn = response.headers().contains_key("serverfnerror");
    if response.status() == StatusCode::METHOD_NOT_ALLOWED && !from_server_fn {
        return ApiError::new(ErrorCode::MethodNotAllowed, "Method not allowed").into_response();
    }
    response
}

fn with_api_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
