//! The passkey ceremonies end to end, as the pages run them: the server's start, the browser's
//! step (`webauthn`), the server's finish. Each answers what its finish answers, or why it
//! stopped: the browser's reason or the server's error.

use super::webauthn::{self, AbortHandle, PasskeyError};
use crate::api::passkeys::{
    passkey_login_finish, passkey_login_start, passkey_mfa_finish, passkey_mfa_start,
    passkey_register_finish, passkey_register_start, passkey_signup_finish, passkey_signup_start,
    PasskeyInfo,
};
use crate::api::TokenResponse;
use crate::auth_context::AuthContext;
use crate::error::{ApiError, ErrorCode};

/// Why a ceremony stopped.
#[derive(Clone, Debug)]
pub enum CeremonyError {
    /// The browser gave no credential (cancelled, unsupported, aborted...).
    Browser(PasskeyError),
    /// The server refused the start or the finish.
    Api(ApiError),
}

impl From<PasskeyError> for CeremonyError {
    fn from(err: PasskeyError) -> Self {
        Self::Browser(err)
    }
}

impl From<ApiError> for CeremonyError {
    fn from(err: ApiError) -> Self {
        Self::Api(err)
    }
}

impl CeremonyError {
    /// The sentence to show; `None` when the page itself aborted the request.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::Browser(err) => err.message(),
            Self::Api(err) => Some(err.message.clone()),
        }
    }

    /// The server's error code, if the server refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api(err) => Some(err.error),
            Self::Browser(_) => None,
        }
    }
}

/// What adding a passkey to the signed-in account takes.
#[derive(Clone, Debug, Default)]
pub struct NewPasskey {
    /// Empty: the server names it.
    pub name: String,
    /// The step-up: `None` for an account without a password.
    pub password: Option<String>,
    /// A current code, when the account has TOTP on.
    pub code: Option<String>,
}

/// Adds a passkey to the signed-in account (a refresh and one retry if the access token expired
/// meanwhile).
pub async fn register(auth: AuthContext, new: NewPasskey) -> Result<PasskeyInfo, CeremonyError> {
    let NewPasskey {
        name,
        password,
        code,
    } = new;
    let started = auth
        .with_session(|| passkey_register_start(password.clone(), code.clone()))
        .await?;
    let credential = webauthn::create(&started.options).await?;
    let info = auth
        .with_session(|| {
            passkey_register_finish(started.ceremony.clone(), credential.clone(), name.clone())
        })
        .await?;
    Ok(info)
}

/// A sign-in with a passkey and no username. `conditional`: through the username field's
/// autofill, ended early by `abort`.
pub async fn sign_in(
    conditional: bool,
    abort: Option<&AbortHandle>,
) -> Result<TokenResponse, CeremonyError> {
    let started = passkey_login_start().await?;
    let credential = webauthn::get(&started.options, conditional, abort).await?;
    Ok(passkey_login_finish(started.ceremony, credential).await?)
}

/// The second step of a password login, with a passkey.
pub async fn second_factor(mfa_token: String) -> Result<TokenResponse, CeremonyError> {
    let started = passkey_mfa_start(mfa_token.clone()).await?;
    let credential = webauthn::get(&started.options, false, None).await?;
    Ok(passkey_mfa_finish(mfa_token, started.ceremony, credential).await?)
}

/// Creates an account whose only way in is a new passkey.
pub async fn sign_up(
    username: String,
    email: Option<String>,
    name: String,
) -> Result<TokenResponse, CeremonyError> {
    let started = passkey_signup_start(username, email).await?;
    let credential = webauthn::create(&started.options).await?;
    Ok(passkey_signup_finish(started.ceremony, credential, name).await?)
}
