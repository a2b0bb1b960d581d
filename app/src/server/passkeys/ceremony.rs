//! A ceremony between its start and its finish, stored in `webauthn_ceremonies` so that any
//! instance can finish it: single use, `CEREMONY_TTL_SECS` long, and the client only ever holds
//! a random id (256 bits) whose hash is the key.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::CEREMONY_TTL_SECS;
use crate::error::{ApiError, ErrorCode};
use crate::server::db::passkeys::{self as store, CeremonyRow};
use crate::server::secret_token;
use crate::server::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Adding a passkey to a signed-in account.
    Register,
    /// A passwordless sign-in (discoverable credential, no account named).
    SignIn,
    /// The second step of a password login.
    SecondFactor,
    /// Creating a passkey-only account.
    Signup,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SignIn => "sign_in",
            Self::SecondFactor => "second_factor",
            Self::Signup => "signup",
        }
    }

    /// Anyone can start these, so they count against the bound on open ceremonies.
    fn is_unauthenticated(self) -> bool {
        matches!(self, Self::SignIn | Self::Signup)
    }
}

/// Stores `ceremony_state` and returns the id the client finishes it with.
pub async fn start<S: Serialize>(
    state: &AppState,
    purpose: Purpose,
    user_id: Option<&str>,
    context: &str,
    ceremony_state: &S,
    now: i64,
) -> Result<String, ApiError> {
    if purpose.is_unauthenticated() {
        ensure_room(state, now).await?;
    }
    let json = serde_json::to_string(ceremony_state).map_err(|e| {
        tracing::error!(error = %e, "ceremony state does not serialise");
        ApiError::internal()
    })?;
    let id = secret_token::generate();
    let hash = secret_token::hash(&id);
    let purpose = purpose.as_str();
    store::create_ceremony(
        &state.db,
        &hash,
        purpose,
        user_id,
        context,
        &json,
        now,
        CEREMONY_TTL_SECS,
    )
    .await?;
    Ok(id)
}

/// Past the bound, expired ceremonies are deleted first; if that is not enough, 503.
async fn ensure_room(state: &AppState, now: i64) -> Result<(), ApiError> {
    let max = state.passkeys.max_open_ceremonies;
    if store::open_ceremonies(&state.db, now).await? < max {
        return Ok(());
    }
    store::prune_ceremonies(&state.db, now).await?;
    if store::open_ceremonies(&state.db, now).await? < max {
        return Ok(());
    }
    tracing::warn!(max, "passkey ceremonies at their bound; refusing new ones");
    Err(ApiError::new(
        ErrorCode::Overloaded,
        "Too many passkey sign-ins are under way. Try again in a minute.",
    )
    .with_retry_after(60))
}

/// Takes the ceremony `id` (it is gone afterwards, whatever happens next) with its state.
/// 400 `invalid_ceremony` when it is unknown, used, expired or of another purpose.
pub async fn take<S: DeserializeOwned>(
    state: &AppState,
    id: &str,
    purpose: Purpose,
    now: i64,
) -> Result<(CeremonyRow, S), ApiError> {
    if !secret_token::is_well_formed(id) {
        return Err(invalid_ceremony());
    }
    let hash = secret_token::hash(id);
    let row = store::take_ceremony(&state.db, &hash, purpose.as_str(), now)
        .await?
        .ok_or_else(invalid_ceremony)?;
    let parsed = serde_json::from_str(&row.state).map_err(|e| {
        tracing::error!(error = %e, "stored ceremony state does not parse");
        ApiError::internal()
    })?;
    Ok((row, parsed))
}

pub fn invalid_ceremony() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCeremony,
        "This passkey request has expired or was already used. Start again.",
    )
}

/// Options for the browser as standard JSON (`{"publicKey": {...}}`, binary fields base64url),
/// without `null` members (WebIDL dictionaries refuse `null` where a value is optional).
pub fn options_json<T: Serialize>(options: &T) -> Result<serde_json::Value, ApiError> {
    let mut value = serde_json::to_value(options).map_err(|e| {
        tracing::error!(error = %e, "WebAuthn options do not serialise");
        ApiError::internal()
    })?;
    strip_nulls(&mut value);
    Ok(value)
}

fn strip_nulls(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_are_dropped_at_every_depth() {
        let mut v = serde_json::json!({"a": null, "b": {"c": null, "d": [ {"e": null, "f": 1} ]}});
        strip_nulls(&mut v);
        assert_eq!(v, serde_json::json!({"b": {"d": [ {"f": 1} ]}}));
    }
}
