//! `POST /api/auth/mfa/...`: the TOTP second factor (see `server::mfa`): set-up, confirmation,
//! the second step of a login, turning it off and new recovery codes.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::TokenResponse;
use crate::client::ApiClient;
use crate::error::ApiError;

/// A new, not yet active TOTP secret, for the user's app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    /// Base32, for typing into an app.
    pub secret: String,
    pub otpauth_url: String,
    /// The URL as an SVG QR code, rendered on the server.
    pub qr_svg: String,
}

/// Recovery codes, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaDisabled {
    pub mfa_enabled: bool,
}

/// Starts enrolment (password required): a new secret that does nothing until confirmed with a
/// code. 401 `invalid_credentials`; 409 `mfa_already_enabled`.
#[server(prefix = "/api", endpoint = "auth/mfa/totp/setup", input = Json, client = ApiClient)]
pub async fn totp_setup(password: String) -> Result<TotpEnrolment, ApiError> {
    use crate::server::db::mfa;
    use crate::server::guard::{reauthenticate, Reauthenticated};
    use crate::server::mfa::{totp, ISSUER};
    use crate::server::response::internal;

    let state = crate::server::state::app_state()?;
    let claims = crate::server::guard::require_live_session().await?;
    if mfa::has_confirmed_totp(&state.db, &claims.sub).await? {
        return Err(already_enabled());
    }
    let Reauthenticated { state, user, .. } = reauthenticate(password, None).await?;
    let secret = totp::generate_secret();
    let now = crate::server::now_unix();
    if !mfa::set_up_totp(&state.db, &user.id, &secret, now)
        .await
        .map_err(internal)?
    {
        return Err(already_enabled());
    }
    let totp = totp::totp(&secret, ISSUER, &user.username).ok_or_else(ApiError::internal)?;
    let otpauth_url = totp::otpauth_url(&totp);
    let qr_svg = totp::qr_svg(&otpauth_url).ok_or_else(ApiError::internal)?;
    tracing::info!(user_id = %user.id, "TOTP set-up started");
    Ok(TotpEnrolment {
        secret,
        otpauth_url,
        qr_svg,
    })
}

#[cfg(feature = "ssr")]
fn already_enabled() -> ApiError {
    ApiError::new(
        crate::error::ErrorCode::MfaAlreadyEnabled,
        "Two-factor authentication is already on. Turn it off first to use another app.",
    )
}

/// Turns the factor on with a first code from the app; answers the recovery codes (shown once).
/// Every other session ends, and the verified address gets a notice. 401 `invalid_mfa_code`;
/// 409 `mfa_not_enabled` without a set-up.
#[server(prefix = "/api", endpoint = "auth/mfa/totp/confirm", input = Json, client = ApiClient)]
pub async fn totp_confirm(code: String) -> Result<RecoveryCodes, ApiError> {
    use crate::error::ErrorCode;
    use crate::server::db::refresh_families::RevokeReason;
    use crate::server::db::{mfa, users};
    use crate::server::mail::{templates, MailPurpose};
    use crate::server::mfa::{recovery_codes, step_up, totp, ISSUER};
    use crate::server::recovery::notices;
    use crate::server::response::internal;

    let (state, claims, user) = crate::server::guard::live_account().await?;
    let now = crate::server::now_unix();
    let factor = mfa::find_totp(&state.db, &user.id)
        .await
        .map_err(internal)?
        .filter(|f| !f.confirmed)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::MfaNotEnabled,
                "Start the set-up first (there is nothing to confirm)",
            )
        })?;
    let totp = totp::totp(&factor.secret, ISSUER, &user.username).ok_or_else(ApiError::internal)?;
    let step = totp::matching_step(&totp, &code, now).ok_or_else(step_up::invalid_mfa_code)?;
    let (codes, hashes) = recovery_codes::generate_hashed();

    let mut tx = state.db.pool.begin().await?;
    if !mfa::accept_step(&mut tx, &user.id, step, Some(now)).await? {
        return Err(step_up::invalid_mfa_code());
    }
    mfa::replace_recovery_codes(&mut tx, &user.id, &hashes, now).await?;
    let reason = RevokeReason::MfaEnabled;
    let keep = Some(claims.sid.as_str());
    users::change_credentials_in(&mut tx, &user.id, None, keep, reason, now).await?;
    let kind = crate::server::audit::EventKind::MfaEnabled;
    crate::server::audit::by_user_in(&mut tx, &state, kind, &user.id, keep, now).await?;
    let purpose = MailPurpose::NoticeMfaEnabled;
    let render = |ctx: &_| templates::mfa_enabled(&user.username, ctx);
    notices::to_verified_address(&mut tx, &state, &user, purpose, render, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user_id = %user.id, "TOTP turned on");
    Ok(RecoveryCodes {
        recovery_codes: codes,
    })
}

/// The second step of a login: the `mfa_token` from the 403 `mfa_required` answer and either a
/// `code` from the app or a `recovery_code`. Answers like a login (token and refresh cookie; the
/// token's `amr` is `["pwd","otp","mfa"]`). A recovery code also ends every other session and
/// sends a notice. 401 `invalid_mfa_code`, 401 `invalid_mfa_token` (expired, used, or after 5
/// wrong codes), 429 `too_many_attempts` (the account's login throttle).
#[server(prefix = "/api", endpoint = "auth/mfa/verify", input = Json, client = ApiClient)]
pub async fn mfa_verify(
    mfa_token: String,
    #[server(default)] code: Option<String>,
    #[server(default)] recovery_code: Option<String>,
) -> Result<TokenResponse, ApiError> {
    use crate::server::db::refresh_families::RevokeReason;
    use crate::server::db::{mfa, users};
    use crate::server::dpop::TokenBinding;
    use crate::server::mail::{templates, MailPurpose};
    use crate::server::mfa::challenge;
    use crate::server::mfa::step_up::{Proof, Used};
    use crate::server::recovery::notices;
    use crate::server::session_start::{start_session_with, AMR_PASSWORD_AND_OTP};
    use crate::server::state::app_state;

    let state = app_state()?;
    let binding = TokenBinding::of_this_request(&state)?;
    let now = crate::server::now_unix();
    let proof = match (&code, &recovery_code) {
        (Some(code), None) => Proof::Totp(code),
        (None, Some(recovery)) => Proof::RecoveryCode(recovery),
        _ => {
            return Err(ApiError::invalid_input(
                "Send either `code` or `recovery_code`",
            ))
        }
    };
    let (mut user, used) = challenge::finish(&state, &mfa_token, proof, now).await?;
    if used == Used::RecoveryCode {
        let left = mfa::recovery_codes_left(&state.db, &user.id).await?;
        let mut tx = state.db.pool.begin().await?;
        let reason = RevokeReason::RecoveryCodeUsed;
        users::change_credentials_in(&mut tx, &user.id, None, None, reason, now).await?;
        let purpose = MailPurpose::NoticeRecoveryCodeUsed;
        let render = |ctx: &_| templates::recovery_code_used(&user.username, left, ctx);
        notices::to_verified_address(&mut tx, &state, &user, purpose, render, now).await?;
        tx.commit().await?;
        state.mailer.wake();
        user = users::find_by_id(&state.db, &user.id)
            .await?
            .ok_or_else(challenge::invalid_mfa_token)?;
    }
    tracing::info!(user_id = %user.id, ?used, "login succeeded with a second factor");
    let login = Some(crate::server::audit::EventKind::LoginSucceeded);
    start_session_with(&state, &user, binding, AMR_PASSWORD_AND_OTP, login).await
}

/// Turns the factor off: the password and a current code (or a recovery code) are required.
/// Every other session ends; the recovery codes are deleted; a notice is sent. 401
/// `invalid_credentials`, 401 `invalid_mfa_code`, 409 `mfa_not_enabled`.
#[server(prefix = "/api", endpoint = "auth/mfa/totp/disable", input = Json, client = ApiClient)]
pub async fn totp_disable(password: String, code: String) -> Result<MfaDisabled, ApiError> {
    use crate::server::db::refresh_families::RevokeReason;
    use crate::server::db::{mfa, users};
    use crate::server::guard::{reauthenticate, Reauthenticated};
    use crate::server::mail::{templates, MailPurpose};
    use crate::server::recovery::notices;

    let state = crate::server::state::app_state()?;
    let claims = crate::server::guard::require_live_session().await?;
    if !mfa::has_confirmed_totp(&state.db, &claims.sub).await? {
        return Err(not_enabled());
    }
    let Reauthenticated {
        state,
        claims,
        user,
    } = reauthenticate(password, Some(code)).await?;
    let now = crate::server::now_unix();
    let mut tx = state.db.pool.begin().await?;
    mfa::delete_totp(&mut tx, &user.id).await?;
    let reason = RevokeReason::MfaDisabled;
    let keep = Some(claims.sid.as_str());
    users::change_credentials_in(&mut tx, &user.id, None, keep, reason, now).await?;
    let kind = crate::server::audit::EventKind::MfaDisabled;
    crate::server::audit::by_user_in(&mut tx, &state, kind, &user.id, keep, now).await?;
    let purpose = MailPurpose::NoticeMfaDisabled;
    let render = |ctx: &_| templates::mfa_disabled(&user.username, ctx);
    notices::to_verified_address(&mut tx, &state, &user, purpose, render, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user_id = %user.id, "TOTP turned off");
    Ok(MfaDisabled { mfa_enabled: false })
}

#[cfg(feature = "ssr")]
fn not_enabled() -> ApiError {
    ApiError::new(
        crate::error::ErrorCode::MfaNotEnabled,
        "Two-factor authentication is not on",
    )
}

/// A new set of recovery codes (the old set stops working): the password and a current code are
/// required. 401 `invalid_credentials`, 401 `invalid_mfa_code`, 409 `mfa_not_enabled`.
#[server(prefix = "/api", endpoint = "auth/mfa/recovery-codes", input = Json, client = ApiClient)]
pub async fn regenerate_recovery_codes(
    password: String,
    code: String,
) -> Result<RecoveryCodes, ApiError> {
    use crate::server::db::mfa;
    use crate::server::guard::{reauthenticate, Reauthenticated};
    use crate::server::mfa::recovery_codes;

    let state = crate::server::state::app_state()?;
    let claims = crate::server::guard::require_live_session().await?;
    if !mfa::has_confirmed_totp(&state.db, &claims.sub).await? {
        return Err(not_enabled());
    }
    let Reauthenticated { state, user, .. } = reauthenticate(password, Some(code)).await?;
    let now = crate::server::now_unix();
    let (codes, hashes) = recovery_codes::generate_hashed();
    let mut tx = state.db.pool.begin().await?;
    mfa::replace_recovery_codes(&mut tx, &user.id, &hashes, now).await?;
    let kind = crate::server::audit::EventKind::RecoveryCodesRegenerated;
    crate::server::audit::by_user_in(&mut tx, &state, kind, &user.id, None, now).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, "recovery codes replaced");
    Ok(RecoveryCodes {
        recovery_codes: codes,
    })
}
