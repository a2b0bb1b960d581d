//! The edge of the JSON API (`/api/...`): bad input is refused here with a stable 4xx before any
//! server function runs, and server-function errors get the status their code maps to
//! (`ErrorCode::status`), since server functions otherwise answer every error with 500.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::{ApiError, ErrorCode};

/// Largest accepted request body: credentials are tiny.
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Largest error body re-read from a server function.
const MAX_ERROR_BYTES: usize = 64 * 1024;

pub async fn api_boundary(mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !(path.starts_with("/api/") || path == "/api") {
        return next.run(req).await;
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
    with_api_headers(map_error_status(response).await)
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
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the request body as JSON with Content-Type: application/json",
        ));
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

/// Server functions send errors as 500 plus a `serverfnerror` header; give them their real status.
async fn map_error_status(response: Response) -> Response {
    let status = response.status();
    let is_server_fn_error = response.headers().contains_key("serverfnerror");
    if status == StatusCode::METHOD_NOT_ALLOWED && !is_server_fn_error {
        return ApiError::new(ErrorCode::MethodNotAllowed, "Method not allowed").into_response();
    }
    if !is_server_fn_error {
        return response;
    }
    let (parts, body) = response.into_parts();
    let error = match to_bytes(body, MAX_ERROR_BYTES).await {
        Ok(bytes) => {
            serde_json::from_slice::<ApiError>(&bytes).unwrap_or_else(|_| ApiError::internal())
        }
        Err(_) => ApiError::internal(),
    };
    let mut mapped = error.into_response();
    // Keep what the server function set (Set-Cookie clearing a refused refresh token, the
    // `serverfnerror` marker the browser client decodes errors by), but not the old body's framing.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
            mapped.headers_mut().append(name.clone(), value.clone());
        }
    }
    mapped
}

fn with_api_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
