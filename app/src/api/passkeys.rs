//! `POST /api/auth/passkeys/...` and `/api/auth/mfa/passkey/...`: passkeys (see
//! `server::passkeys`). Each ceremony is a start/finish pair: the start answers a
//! `PasskeyCeremony` whose `options` go to `navigator.credentials.create()` / `.get()` (after
//! `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON`), and the
//! finish takes the `ceremony` id back with the browser's `credential.toJSON()`.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};
use serde::{Deserialize, Serialize};

use super::TokenResponse;
use crate::client::ApiClient;
use crate::error::ApiError;

/// A started ceremony: `options` is the standard JSON form of `CredentialCreationOptions` or
/// `CredentialRequestOptions` (`{"publicKey": {...}}`, binary members base64url); `ceremony`
/// names it for the finish (5 minutes, single use).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasskeyCeremony {
    pub ceremony: String,
    pub options: serde_json::Value,
}

/// One of the caller's passkeys (never its key material).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyInfo {
    pub id: String,
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyList {
    pub passkeys: Vec<PasskeyInfo>,
    /// False for a passkey-only account: its last passkey cannot be removed, and changes need a
    /// recent sign-in instead of the password.
    pub has_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyRemoved {
    pub removed: bool,
}

/// Starts adding a passkey (step-up: the `password`, and `code` when TOTP is on; an account
/// without a password must have signed in within 5 minutes). 401 `invalid_credentials`,
/// 401 `invalid_mfa_code`, 401 `reauthentication_required`, 409 `passkey_limit`,
/// 503 `passkeys_unavailable`.
#[server(prefix = "/api", endpoint = "auth/passkeys/register/start", input = Json, client = ApiClient)]
pub async fn passkey_register_start(
    #[server(default)] password: Option<String>,
    #[server(default)] code: Option<String>,
) -> Result<PasskeyCeremony, ApiError> {
    use crate::server::passkeys::{management, registration};

    let reauth = management::step_up(password, code).await?;
    let now = crate::server::now_unix();
    registration::start_for(&reauth.state, &reauth.user, now).await
}

/// Finishes adding a passkey: 201 with it. The verified address gets a notice. 400
/// `invalid_ceremony`, 400 `invalid_input` (not a credential, bad name), 401 `invalid_passkey`,
/// 409 `passkey_already_registered`.
#[server(prefix = "/api", endpoint = "auth/passkeys/register/finish", input = Json, client = ApiClient)]
pub async fn passkey_register_finish(
    ceremony: String,
    credential: serde_json::Value,
    #[server(default)] name: String,
) -> Result<PasskeyInfo, ApiError> {
    use crate::server::passkeys::ceremony::{take, Purpose};
    use crate::server::passkeys::{management, registration};
    use webauthn_rs::prelude::PasskeyRegistration;

    let (state, claims, user) = crate::server::guard::live_account().await?;
    let now = crate::server::now_unix();
    // A bad name is refused before the ceremony is used up.
    let name = crate::server::passkeys::clean_name(&name, registration::DEFAULT_NAME)?;
    let (row, reg): (_, PasskeyRegistration) =
        take(&state, &ceremony, Purpose::Register, now).await?;
    if row.user_id.as_deref() != Some(user.id.as_str()) {
        return Err(crate::server::passkeys::ceremony::invalid_ceremony());
    }
    let passkey = registration::finish(&state, &reg, credential)?;
    let info = management::add(&state, &user, &claims.sid, &passkey, &name, now).await?;
    crate::server::response::set_status(axum::http::StatusCode::CREATED);
    Ok(info)
}

/// The caller's passkeys, oldest first.
#[server(prefix = "/api", endpoint = "auth/passkeys", input = GetUrl, client = ApiClient)]
pub async fn list_passkeys() -> Result<PasskeyList, ApiError> {
    use crate::server::db::passkeys as store;
    use crate::server::passkeys::registration;

    let (state, _, user) = crate::server::guard::live_account().await?;
    let rows = store::list(&state.db, &user.id).await?;
    Ok(PasskeyList {
        passkeys: rows.iter().map(registration::info).collect(),
        has_password: user.has_password(),
    })
}

/// Renames one of the caller's passkeys. 404 `not_found`, 400 `invalid_input`.
#[server(prefix = "/api", endpoint = "auth/passkeys/rename", input = Json, client = ApiClient)]
pub async fn rename_passkey(id: String, name: String) -> Result<PasskeyInfo, ApiError> {
    let (state, _, user) = crate::server::guard::live_account().await?;
    crate::server::passkeys::management::rename(&state, &user, &id, &name).await
}

/// Removes one of the caller's passkeys (step-up as for adding one). Every other session ends;
/// the verified address gets a notice. 404 `not_found`, 409 `last_credential`.
#[server(prefix = "/api", endpoint = "auth/passkeys/delete", input = Json, client = ApiClient)]
pub async fn delete_passkey(
    id: String,
    #[server(default)] password: Option<String>,
    #[server(default)] code: Option<String>,
) -> Result<PasskeyRemoved, ApiError> {
    use crate::server::passkeys::management;

    let reauth = management::step_up(password, code).await?;
    let now = crate::server::now_unix();
    let (state, sid) = (&reauth.state, &reauth.claims.sid);
    management::remove(state, &reauth.user, sid, &id, now).await?;
    Ok(PasskeyRemoved { removed: true })
}

/// Starts a passwordless sign-in (no username: the browser offers the user's passkeys, also as
/// autofill with `mediation: "conditional"`). 503 `overloaded` when too many are open.
#[server(prefix = "/api", endpoint = "auth/passkeys/login/start", input = Json, client = ApiClient)]
pub async fn passkey_login_start() -> Result<PasskeyCeremony, ApiError> {
    let state = crate::server::state::app_state()?;
    let now = crate::server::now_unix();
    crate::server::passkeys::assertion::start_sign_in(&state, now).await
}

/// Finishes a passwordless sign-in: the login answer (token and refresh cookie; `amr` is
/// `["hwk","mfa"]`). 400 `invalid_ceremony`, 401 `invalid_passkey` (unknown credential, counter
/// regression, wrong origin, ...: recorded), 403 `account_disabled`.
#[server(prefix = "/api", endpoint = "auth/passkeys/login/finish", input = Json, client = ApiClient)]
pub async fn passkey_login_finish(
    ceremony: String,
    credential: serde_json::Value,
) -> Result<TokenResponse, ApiError> {
    use crate::server::audit::EventKind;
    use crate::server::dpop::TokenBinding;
    use crate::server::passkeys::{assertion, AMR_PASSKEY};
    use crate::server::session_start::start_session_with;

    let state = crate::server::state::app_state()?;
    let binding = TokenBinding::of_this_request(&state)?;
    let now = crate::server::now_unix();
    let user = assertion::finish_sign_in(&state, &ceremony, credential, now).await?;
    tracing::info!(user_id = %user.id, "login succeeded with a passkey");
    crate::server::metrics_names::login("passkey");
    let login = Some(EventKind::LoginSucceeded);
    start_session_with(&state, &user, binding, AMR_PASSKEY, login).await
}

/// Starts the passkey second step of a password login (the `mfa_token` of the 403
/// `mfa_required` answer, whose `methods` include `passkey`). 401 `invalid_mfa_token`, 409
/// `mfa_not_enabled` (no passkey).
#[server(prefix = "/api", endpoint = "auth/mfa/passkey/start", input = Json, client = ApiClient)]
pub async fn passkey_mfa_start(mfa_token: String) -> Result<PasskeyCeremony, ApiError> {
    use crate::server::mfa::challenge;

    let state = crate::server::state::app_state()?;
    let now = crate::server::now_unix();
    let user = challenge::peek(&state, &mfa_token, now).await?;
    crate::server::passkeys::assertion::start_second_factor(&state, &user, now).await
}

/// Finishes a login with a passkey as the second factor: the login answer (`amr` is
/// `["pwd","hwk","mfa"]`). 400 `invalid_ceremony`, 401 `invalid_passkey`, 401
/// `invalid_mfa_token`, 429 `too_many_attempts`.
#[server(prefix = "/api", endpoint = "auth/mfa/passkey/finish", input = Json, client = ApiClient)]
pub async fn passkey_mfa_finish(
    mfa_token: String,
    ceremony: String,
    credential: serde_json::Value,
) -> Result<TokenResponse, ApiError> {
    use crate::server::audit::EventKind;
    use crate::server::dpop::TokenBinding;
    use crate::server::mfa::challenge;
    use crate::server::mfa::step_up::Proof;
    use crate::server::passkeys::{assertion, AMR_PASSWORD_AND_PASSKEY};
    use crate::server::session_start::start_session_with;

    let state = crate::server::state::app_state()?;
    let binding = TokenBinding::of_this_request(&state)?;
    let now = crate::server::now_unix();
    let user = challenge::peek(&state, &mfa_token, now).await?;
    assertion::verify_second_factor(&state, &user, &ceremony, credential, now).await?;
    let (user, _) = challenge::finish(&state, &mfa_token, Proof::Passkey, now).await?;
    tracing::info!(user_id = %user.id, "login succeeded with a passkey as second factor");
    let login = Some(EventKind::LoginSucceeded);
    start_session_with(&state, &user, binding, AMR_PASSWORD_AND_PASSKEY, login).await
}

/// Starts creating an account that has a passkey and no password. 409 `username_taken`, 400
/// `invalid_input`, 429 `too_many_attempts` (sign-ups per client address).
#[server(prefix = "/api", endpoint = "auth/passkeys/signup/start", input = Json, client = ApiClient)]
pub async fn passkey_signup_start(
    username: String,
    #[server(default)] email: Option<String>,
) -> Result<PasskeyCeremony, ApiError> {
    use crate::server::credentials::Username;
    use crate::server::db::users;
    use crate::server::email_address::EmailAddress;
    use crate::server::passkeys::registration::{start_signup, SignupContext};
    use crate::server::request::client_key;
    use crate::server::throttle;

    let state = crate::server::state::app_state()?;
    let now = crate::server::now_unix();
    state.passkeys.webauthn()?;
    let bucket = throttle::signup_bucket(&client_key(&state.trusted_proxies)?);
    throttle::ensure_unlocked(&state.db, &[&bucket], now).await?;
    let username = Username::parse(&username)?;
    let email = match email.as_deref().map(str::trim) {
        Some(raw) if !raw.is_empty() => Some(EmailAddress::parse(raw)?),
        _ if state.recovery.require_email => {
            return Err(ApiError::invalid_input("An e-mail address is required"))
        }
        _ => None,
    };
    let max = state.throttle.signup_max_per_ip;
    throttle::take_attempt(&state.db, &state.throttle, &bucket, max, now).await?;
    if users::find_by_username(&state.db, &username)
        .await?
        .is_some()
    {
        return Err(ApiError::username_taken());
    }
    let context = SignupContext {
        username: username.as_str().to_owned(),
        email: email.map(|e| e.as_str().to_owned()),
    };
    start_signup(&state, &context, now).await
}

/// Finishes a passkey-only sign-up: 201 with the login answer (`amr` `["hwk","mfa"]`). 400
/// `invalid_ceremony`, 401 `invalid_passkey`, 409 `username_taken` (taken meanwhile).
#[server(prefix = "/api", endpoint = "auth/passkeys/signup/finish", input = Json, client = ApiClient)]
pub async fn passkey_signup_finish(
    ceremony: String,
    credential: serde_json::Value,
    #[server(default)] name: String,
) -> Result<TokenResponse, ApiError> {
    use crate::server::passkeys::ceremony::{take, Purpose};
    use crate::server::passkeys::registration::{self, SignupContext};
    use webauthn_rs::prelude::PasskeyRegistration;

    let state = crate::server::state::app_state()?;
    let binding = crate::server::dpop::TokenBinding::of_this_request(&state)?;
    let now = crate::server::now_unix();
    let name = crate::server::passkeys::clean_name(&name, registration::DEFAULT_NAME)?;
    let (row, reg): (_, PasskeyRegistration) =
        take(&state, &ceremony, Purpose::Signup, now).await?;
    let context: SignupContext =
        serde_json::from_str(&row.context).map_err(|_| ApiError::internal())?;
    let user_id = row.user_id.ok_or_else(ApiError::internal)?;
    let passkey = registration::finish(&state, &reg, credential)?;
    crate::server::passkeys::signup::create_account(
        &state, &user_id, &context, &passkey, &name, binding, now,
    )
    .await
}
