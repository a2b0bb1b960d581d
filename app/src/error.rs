//! The one error type of the JSON API: `{"error": <stable code>, "message": <human text>}`.
//!
//! Server functions return it, the browser client decodes it, and `ErrorCode::status` is the single
//! place where a code becomes an HTTP status. On the server, `?` turns a database error into one
//! (503 when the database is unreachable, else a logged 500 that leaks nothing).

use http::StatusCode;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::{Bytes, Encodes};
use serde::{Deserialize, Serialize};

/// Stable, documented error codes. Clients may match on these; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    InvalidJson,
    WeakPassword,
    UsernameTaken,
    /// The password was right; a second factor must finish the login (`mfa_token`, `methods`).
    MfaRequired,
    /// A wrong, reused or missing second-factor code.
    InvalidMfaCode,
    /// An `mfa_token` that is unknown, used, expired or dead after too many wrong codes.
    InvalidMfaToken,
    /// The account already has a confirmed factor (turn it off first).
    MfaAlreadyEnabled,
    /// There is no factor to confirm or turn off.
    MfaNotEnabled,
    /// The caller may not do this (admin calls without the admin role).
    Forbidden,
    /// An administrator has disabled this account (only said after a correct password).
    AccountDisabled,
    /// Another account verified this e-mail address first (only the link's holder sees this).
    EmailTaken,
    /// An e-mail verification link that is unknown, used, superseded or expired.
    InvalidVerifyToken,
    /// A password-reset link that is unknown, used, superseded or expired.
    InvalidResetToken,
    /// A passkey answer the relying party refused (unknown credential, wrong origin or RP ID,
    /// a signature counter that went backwards, a failed signature or user verification).
    InvalidPasskey,
    /// A passkey ceremony id that is unknown, used, expired or of another kind.
    InvalidCeremony,
    /// Passkeys are off: the public URL is an IP address, which WebAuthn does not accept.
    PasskeysUnavailable,
    /// The account has as many passkeys as it may have.
    PasskeyLimit,
    /// This authenticator credential is registered already.
    PasskeyAlreadyRegistered,
    /// The change would leave the account with no way to sign in.
    LastCredential,
    /// An account without a password must have signed in recently for this change.
    ReauthenticationRequired,
    /// A DPoP proof that is missing where a bound token or `TOKENGATE_DPOP=required` needs one,
    /// malformed, for another request, stale, replayed, or by another key.
    InvalidDpopProof,
    InvalidCredentials,
    InvalidToken,
    InvalidRefreshToken,
    RefreshTokenReused,
    NotFound,
    MethodNotAllowed,
    UnsupportedMediaType,
    PayloadTooLarge,
    TooManyAttempts,
    /// A browser sent a cookie-authenticated request from another origin.
    CrossOriginRequest,
    /// More than one refresh cookie arrived (one was planted, e.g. by a sibling subdomain).
    DuplicateCookie,
    /// The request target is not a path (authority form, `*` outside `OPTIONS`).
    InvalidRequestTarget,
    /// The request took longer than the request timeout.
    RequestTimeout,
    /// The server is at its concurrent-request limit; retry after `Retry-After`.
    Overloaded,
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
    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidInput
            | Self::InvalidJson
            | Self::DuplicateCookie
            | Self::InvalidRequestTarget
            | Self::InvalidVerifyToken
            | Self::InvalidResetToken
            | Self::InvalidCeremony => StatusCode::BAD_REQUEST,
            Self::InvalidCredentials
            | Self::InvalidToken
            | Self::InvalidRefreshToken
            | Self::RefreshTokenReused
            | Self::InvalidMfaCode
            | Self::InvalidMfaToken
            | Self::InvalidPasskey
            | Self::ReauthenticationRequired
            | Self::InvalidDpopProof => StatusCode::UNAUTHORIZED,
            Self::CrossOriginRequest
            | Self::MfaRequired
            | Self::Forbidden
            | Self::AccountDisabled => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::UsernameTaken
            | Self::EmailTaken
            | Self::MfaAlreadyEnabled
            | Self::MfaNotEnabled
            | Self::PasskeyLimit
            | Self::PasskeyAlreadyRegistered
            | Self::LastCredential => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::WeakPassword => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            Self::Overloaded
            | Self::ServiceUnavailable
            | Self::NetworkError
            | Self::PasskeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal | Self::Unknown => StatusCode::INTERNAL_SERVER_ERROR,
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
    /// The second step of a login (403 `mfa_required` only).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<MfaChallenge>,
    /// Server side: answer with the DPoP challenge (`WWW-Authenticate: DPoP ...`) instead of the
    /// Bearer one. Not part of the body.
    #[serde(skip)]
    pub dpop_challenge: bool,
}

/// What a login with a correct password needs next, for an account with a second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaChallenge {
    /// Finishes the login with `POST /api/auth/mfa/verify` (5 minutes, single use).
    pub mfa_token: String,
    /// What may finish it: `totp`, `recovery_code`.
    pub methods: Vec<String>,
}

impl ApiError {
    pub fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error,
            message: message.into(),
            retry_after: None,
            mfa: None,
            dpop_challenge: false,
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

    pub fn status(&self) -> StatusCode {
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

    /// Called on the server the moment an error leaves a server function (ours, or the
    /// framework's when the body did not fit the arguments): this is where its status and headers
    /// are set. Server functions would otherwise answer every error with 500.
    fn ser(&self) -> Bytes {
        #[cfg(feature = "ssr")]
        crate::server::response::set_error_parts(self);
        <JsonEncoding as Encodes<Self>>::encode(self).unwrap_or_else(|_| {
            Bytes::from_static(
                br#"{"error":"internal","message":"Something went wrong on our side"}"#,
            )
        })
    }
}

/// `?` on a database call: unreachable -> 503 `service_unavailable`, anything else -> a logged
/// 500 `internal` (the cause never reaches the client).
#[cfg(feature = "ssr")]
impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if crate::server::db::is_unavailable(&err) {
            tracing::warn!(error = %err, "database unavailable");
            Self::service_unavailable()
        } else {
            tracing::error!(error = %err, "database error");
            Self::internal()
        }
    }
}
