//! The JSON API. Each server function is also a fixed, documented HTTP endpoint that curl or
//! another service can call; the browser calls it through `client::ApiClient`, which adds the
//! `Authorization: Bearer` header.

pub mod account;
pub mod admin;
#[cfg(feature = "ssr")]
pub mod admin_routes;
pub mod auth;
#[cfg(feature = "bench")]
pub mod bench;
pub mod email;
pub mod mfa;
pub mod passkeys;
pub mod password;
pub mod password_reset;
#[cfg(feature = "ssr")]
pub mod plain_routes;
pub mod refresh;
pub mod sessions;

use serde::{Deserialize, Serialize};

/// A user as the API shows them: never carries a password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicUser {
    pub id: String,
    pub username: String,
}

/// Body of a successful sign-up or login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub user: PublicUser,
}

/// The caller, as their access token describes them (no database trip).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub username: String,
    pub role: String,
}

#[cfg(feature = "ssr")]
impl CurrentUser {
    pub fn from_claims(claims: crate::server::tokens::AccessClaims) -> Self {
        Self {
            id: claims.sub,
            username: claims.username,
            role: claims.role,
        }
    }
}

/// The caller's account, as the database knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetails {
    pub id: String,
    pub username: String,
    pub role: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The account's address, verified or not (`null` when it has none).
    pub email: Option<String>,
    pub email_verified: bool,
    /// An address waiting for its verification link to be confirmed, when it is not `email`.
    pub pending_email: Option<String>,
    /// A TOTP second factor is on.
    pub mfa_enabled: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: i64,
    /// False for a passkey-only account (no password to confirm changes with).
    #[serde(default = "yes")]
    pub has_password: bool,
    /// Passkeys on the account (with a password, they are a second factor).
    #[serde(default)]
    pub passkeys: i64,
}

fn yes() -> bool {
    true
}

/// A request taken on (202): mail will follow where the rules say so, and the answer is the same
/// whatever the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub accepted: bool,
}

/// A confirmed verification link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailVerified {
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedOut {
    pub logged_out: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsEnded {
    pub ended: u64,
}

/// One active session of the caller, for the sessions list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub user_agent: String,
    /// True for the session of the token making the request.
    pub current: bool,
}
