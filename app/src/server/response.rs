//! Writing a server function's answer: its status and headers (through Leptos's
//! `ResponseOptions`), and `ApiError` as a plain axum response for the routes outside Leptos.

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::use_context;

use crate::error::{ApiError, ErrorCode};

/// Logs an internal failure and returns a 500 that leaks nothing.
pub fn internal(err: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %err, "internal error");
    ApiError::internal()
}

/// Sets the status of the current server-function response.
pub fn set_status(status: StatusCode) {
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(status);
    }
}

/// Adds a header to the current server-function response.
pub fn append_header(name: HeaderName, value: HeaderValue) {
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.append_header(name, value);
    }
}

/// The headers an error carries besides its body: the Bearer challenge of a 401
/// `invalid_token`, `Retry-After` of a 429 or 503.
fn error_headers(error: &ApiError) -> Vec<(HeaderName, HeaderValue)> {
    let mut headers = Vec::new();
    let challenge = match (error.error, error.dpop_challenge) {
        (ErrorCode::InvalidToken, false) => Some("Bearer error=\"invalid_token\""),
        (ErrorCode::InvalidToken, true) => {
            Some("DPoP error=\"invalid_token\", algs=\"EdDSA ES256\"")
        }
        (ErrorCode::InvalidDpopProof, _) => {
            Some("DPoP error=\"invalid_dpop_proof\", algs=\"EdDSA ES256\"")
        }
        _ => None,
    };
    if let Some(challenge) = challenge {
        headers.push((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        ));
    }
    if let Some(secs) = error.retry_after {
        headers.push((header::RETRY_AFTER, HeaderValue::from(secs)));
    }
    headers
}

/// The status and headers of an error leaving a server function (`ApiError::ser`).
pub fn set_error_parts(error: &ApiError) {
    set_status(error.status());
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        for (name, value) in error_headers(error) {
            options.insert_header(name, value);
        }
    }
}

/// For the routes outside Leptos (`AuthUser` extractor, health and key endpoints).
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(&self)).into_response();
        for (name, value) in error_headers(&self) {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
