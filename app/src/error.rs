//! The one error type of the JSON API: `{"error": <stable code>, "message": <human text>}`.
//!
//! Server functions return it, the browser client decodes it, and `ErrorCode::status` is the single
//! place where a code becomes an HTTP status (applied by the server's API boundary layer).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Stable, documented error codes. Clients may match on these; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    InvalidJson,
    WeakPassword,
    UsernameTaken,
    InvalidCredentials,
    InvalidToken,
    InvalidRefreshToken,
    RefreshTokenReused,
    NotFound,
    MethodNotAllowed,
    UnsupportedMediaType,
    PayloadTooLarge,
    TooManyAttempts,
    ServiceUnavailable,
    Internal,
    /// Client side only: the server could not be reached.
    NetworkError,
    /// A code this client version does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status each code is answered with.
    pub fn status(self) -> u16 {
        match self {
            Self::InvalidInput | Self::InvalidJson => 400,
            Self::InvalidCredentials
            | Self::InvalidToken
            | Self::InvalidRefreshToken
            | Self::RefreshTokenReused => 401,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::UsernameTaken => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::WeakPassword => 422,
            Self::TooManyAttempts => 429,
            Self::ServiceUnavailable | Self::NetworkError => 503,
            Self::Internal | Self::Unknown => 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub error: ErrorCode,
    pub message: String,
    /// Seconds to wait before retrying (429 only); also sent as `Retry-After`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn with_retry_after(mut self, secs: i64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }

    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn weak_password(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::WeakPassword, message)
    }

    pub fn invalid_credentials() -> Self {
        Self::new(
            ErrorCode::InvalidCredentials,
            "Invalid username or password",
        )
    }

    pub fn invalid_token() -> Self {
        Self::new(
            ErrorCode::InvalidToken,
            "The access token is missing, malformed or expired",
        )
    }

    pub fn username_taken() -> Self {
        Self::new(ErrorCode::UsernameTaken, "That username is already taken")
    }

    pub fn service_unavailable() -> Self {
        Self::new(
            ErrorCode::ServiceUnavailable,
            "The service is temporarily unavailable, please retry shortly",
        )
    }

    /// A 500: the cause is logged by the caller, never sent to the client.
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "Something went wrong on our side")
    }

    pub fn status(&self) -> u16 {
        self.error.status()
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server these mean the request body did not fit the function's arguments.
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::MissingArg(_) => Self::new(
                ErrorCode::InvalidInput,
                "The request body must be a JSON object with the documented fields",
            ),
            ServerFnErrorErr::UnsupportedRequestMethod(_) => {
                Self::new(ErrorCode::MethodNotAllowed, "Method not allowed")
            }
            ServerFnErrorErr::Request(_) => Self::new(
                ErrorCode::NetworkError,
                "Could not reach the server. Check your connection and try again.",
            ),
            _ => Self::internal(),
        }
    }
}
