//! Using a passkey: a passwordless sign-in (discoverable credential: the browser says whose it
//! is) and the second step of a password login. webauthn-rs checks the assertion (challenge,
//! origin, RP ID, user verification, signature, and a signature counter that must grow);
//! this finds the stored credential, records the new counter and the use, and records every
//! refusal in the account's security events.

use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PublicKeyCredential, WebauthnError,
};

use super::ceremony::{self, Purpose};
use super::invalid_passkey;
use super::registration::{credential_id, parse_passkey};
use crate::api::passkeys::PasskeyCeremony;
use crate::error::ApiError;
use crate::server::audit::{self, EventKind, NewEvent, Origin};
use crate::server::db::passkeys::{self as store, PasskeyRow};
use crate::server::db::users::{self, UserRecord};
use crate::server::state::AppState;

/// Starts a passwordless sign-in: no credentials are named, the browser offers the user's.
pub async fn start_sign_in(state: &AppState, now: i64) -> Result<PasskeyCeremony, ApiError> {
    let webauthn = state.passkeys.webauthn()?;
    let (mut options, auth) = webauthn.start_discoverable_authentication().map_err(|e| {
        tracing::error!(error = %e, "WebAuthn sign-in did not start");
        ApiError::internal()
    })?;
    // The client chooses: conditional (autofill) or a modal request from a button.
    options.mediation = None;
    let id = ceremony::start(state, Purpose::SignIn, None, "", &auth, now).await?;
    Ok(PasskeyCeremony {
        ceremony: id,
        options: ceremony::options_json(&options)?,
    })
}

/// Finishes a passwordless sign-in: the account whose passkey answered.
pub async fn finish_sign_in(
    state: &AppState,
    ceremony_id: &str,
    credential: serde_json::Value,
    now: i64,
) -> Result<UserRecord, ApiError> {
    let webauthn = state.passkeys.webauthn()?;
    let (_, auth): (_, DiscoverableAuthentication) =
        ceremony::take(state, ceremony_id, Purpose::SignIn, now).await?;
    let credential = parse(credential)?;
    let (handle, raw_id) = webauthn
        .identify_discoverable_authentication(&credential)
        .map_err(|_| invalid_passkey())?;
    let user_id = handle.to_string();
    let row = store::find_by_credential(&state.db, &credential_id(raw_id)).await?;
    let Some(row) = row.filter(|r| r.user_id == user_id) else {
        return Err(refuse(state, Some(&user_id), "unknown_credential", now).await);
    };
    let passkey = parse_passkey(&row).ok_or_else(ApiError::internal)?;
    let result = webauthn.finish_discoverable_authentication_v2(&credential, auth, &passkey);
    let row = record(state, row, passkey, result, now).await?;
    users::find_by_id(&state.db, &row.user_id)
        .await?
        .ok_or_else(invalid_passkey)
}

/// Starts the second step of a login for `user` with any of their passkeys.
pub async fn start_second_factor(
    state: &AppState,
    user: &UserRecord,
    now: i64,
) -> Result<PasskeyCeremony, ApiError> {
    let webauthn = state.passkeys.webauthn()?;
    let passkeys: Vec<Passkey> = store::list(&state.db, &user.id)
        .await?
        .iter()
        .filter_map(parse_passkey)
        .collect();
    if passkeys.is_empty() {
        return Err(ApiError::new(
            crate::error::ErrorCode::MfaNotEnabled,
            "This account has no passkey",
        ));
    }
    let (options, auth) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|e| {
            tracing::error!(error = %e, "WebAuthn second factor did not start");
            ApiError::internal()
        })?;
    let id = ceremony::start(state, Purpose::SecondFactor, Some(&user.id), "", &auth, now).await?;
    Ok(PasskeyCeremony {
        ceremony: id,
        options: ceremony::options_json(&options)?,
    })
}

/// Checks a second-factor answer for `user`: the passkey that answered.
pub async fn verify_second_factor(
    state: &AppState,
    user: &UserRecord,
    ceremony_id: &str,
    credential: serde_json::Value,
    now: i64,
) -> Result<PasskeyRow, ApiError> {
    let webauthn = state.passkeys.webauthn()?;
    let (row, auth): (_, PasskeyAuthentication) =
        ceremony::take(state, ceremony_id, Purpose::SecondFactor, now).await?;
    if row.user_id.as_deref() != Some(user.id.as_str()) {
        return Err(ceremony::invalid_ceremony());
    }
    let credential = parse(credential)?;
    let stored =
        store::find_by_credential(&state.db, &credential_id(credential.get_credential_id()))
            .await?
            .filter(|r| r.user_id == user.id);
    let Some(stored) = stored else {
        return Err(refuse(state, Some(&user.id), "unknown_credential", now).await);
    };
    let passkey = parse_passkey(&stored).ok_or_else(ApiError::internal)?;
    let result = webauthn.finish_passkey_authentication(&credential, &auth);
    record(state, stored, passkey, result, now).await
}

/// Stores the outcome of an assertion check: the new counter and the use, or the refusal.
async fn record(
    state: &AppState,
    row: PasskeyRow,
    mut passkey: Passkey,
    result: Result<webauthn_rs::prelude::AuthenticationResult, WebauthnError>,
    now: i64,
) -> Result<PasskeyRow, ApiError> {
    let result = match result {
        Ok(result) => result,
        Err(e) => {
            let reason = match e {
                WebauthnError::CredentialPossibleCompromise => "counter_regression",
                _ => "assertion_refused",
            };
            tracing::warn!(error = %e, passkey = %row.id, reason, "passkey assertion refused");
            return Err(refuse(state, Some(&row.user_id), reason, now).await);
        }
    };
    passkey.update_credential(&result);
    let after = serde_json::to_string(&passkey).map_err(|_| ApiError::internal())?;
    let mut conn = state.db.pool.acquire().await?;
    if !store::record_use(&mut conn, &row.id, &row.passkey, &after, now).await? {
        // Another assertion with this credential was recorded in between: the counter this one
        // was checked against is stale. Refuse rather than let a clone through.
        drop(conn);
        return Err(refuse(state, Some(&row.user_id), "concurrent_use", now).await);
    }
    Ok(PasskeyRow {
        passkey: after,
        last_used_at: Some(now),
        ..row
    })
}

/// Records a refused passkey for `user_id` (when that account exists) and returns the answer.
async fn refuse(
    state: &AppState,
    user_id: Option<&str>,
    reason: &'static str,
    now: i64,
) -> ApiError {
    crate::server::metrics_names::passkey_refused(reason);
    if let Some(user_id) = user_id {
        if let Ok(Some(user)) = users::find_by_id(&state.db, user_id).await {
            let origin = Origin::current(state);
            let event = NewEvent::by_user(EventKind::PasskeyRefused, &user.id, &origin, now)
                .actor(None)
                .reason(reason);
            if let Err(e) = audit::record_alone(state, &event).await {
                return e;
            }
        }
    }
    invalid_passkey()
}

fn parse(credential: serde_json::Value) -> Result<PublicKeyCredential, ApiError> {
    serde_json::from_value(credential).map_err(|_| super::registration::not_a_credential())
}
