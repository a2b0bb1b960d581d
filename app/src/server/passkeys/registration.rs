//! Creating passkeys: for a signed-in account (after step-up, see `management`), and for a new
//! passkey-only account (no password at all).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Uuid,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::ceremony::{self, Purpose};
use super::{clean_name, invalid_passkey, MAX_PASSKEYS_PER_ACCOUNT};
use crate::api::passkeys::{PasskeyCeremony, PasskeyInfo};
use crate::error::{ApiError, ErrorCode};
use crate::server::db::passkeys::{self as store, PasskeyRow};
use crate::server::db::users::UserRecord;
use crate::server::state::AppState;

/// The name a passkey gets when none is given.
pub const DEFAULT_NAME: &str = "Passkey";

/// Starts adding a passkey to `user` (whose step-up the caller checked).
pub async fn start_for(
    state: &AppState,
    user: &UserRecord,
    now: i64,
) -> Result<PasskeyCeremony, ApiError> {
    let webauthn = state.passkeys.webauthn()?;
    let existing = store::list(&state.db, &user.id).await?;
    if i64::try_from(existing.len()).unwrap_or(i64::MAX) >= MAX_PASSKEYS_PER_ACCOUNT {
        return Err(ApiError::new(
            ErrorCode::PasskeyLimit,
            format!("An account can have at most {MAX_PASSKEYS_PER_ACCOUNT} passkeys. Remove one first."),
        ));
    }
    let exclude = existing
        .iter()
        .filter_map(|row| parse_passkey(row).map(|p| p.cred_id().clone()))
        .collect();
    let (options, reg) = webauthn
        .start_passkey_registration(
            user_uuid(&user.id)?,
            &user.username,
            &user.username,
            Some(exclude),
        )
        .map_err(refused_to_start)?;
    let options = discoverable(options);
    let id = ceremony::start(state, Purpose::Register, Some(&user.id), "", &reg, now).await?;
    Ok(PasskeyCeremony {
        ceremony: id,
        options: ceremony::options_json(&options)?,
    })
}

/// Checks the browser's answer to a registration ceremony; the new passkey, not yet stored.
pub fn finish(
    state: &AppState,
    reg: &PasskeyRegistration,
    credential: serde_json::Value,
) -> Result<Passkey, ApiError> {
    let webauthn = state.passkeys.webauthn()?;
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(credential).map_err(|_| not_a_credential())?;
    webauthn
        .finish_passkey_registration(&credential, reg)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey registration refused");
            invalid_passkey()
        })
}

/// Stores `passkey` for `user_id` on `conn` (the caller's transaction). 409
/// `passkey_already_registered` when this credential is registered already (to anyone).
pub async fn store(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    passkey: &Passkey,
    name: &str,
    now: i64,
) -> Result<PasskeyRow, ApiError> {
    let row = PasskeyRow {
        id: Uuid::new_v4().to_string(),
        user_id: user_id.to_owned(),
        credential_id: credential_id(passkey.cred_id()),
        name: clean_name(name, DEFAULT_NAME)?,
        passkey: serde_json::to_string(passkey).map_err(|_| ApiError::internal())?,
        created_at: now,
        last_used_at: None,
    };
    if !store::insert(conn, &row).await? {
        return Err(ApiError::new(
            ErrorCode::PasskeyAlreadyRegistered,
            "This passkey is already registered",
        ));
    }
    Ok(row)
}

/// What a passkey-only sign-up carries from its start to its finish.
#[derive(Debug, Serialize, Deserialize)]
pub struct SignupContext {
    pub username: String,
    pub email: Option<String>,
}

/// Starts creating a passkey-only account named `username` (already checked and free): its
/// id is chosen now, it is the passkey's user handle.
pub async fn start_signup(
    state: &AppState,
    context: &SignupContext,
    now: i64,
) -> Result<PasskeyCeremony, ApiError> {
    let webauthn = state.passkeys.webauthn()?;
    let user_id = Uuid::new_v4();
    let name = &context.username;
    let (options, reg) = webauthn
        .start_passkey_registration(user_id, name, name, None)
        .map_err(refused_to_start)?;
    let options = discoverable(options);
    let context = serde_json::to_string(context).map_err(|_| ApiError::internal())?;
    let user_id = user_id.to_string();
    let id = ceremony::start(state, Purpose::Signup, Some(&user_id), &context, &reg, now).await?;
    Ok(PasskeyCeremony {
        ceremony: id,
        options: ceremony::options_json(&options)?,
    })
}

/// Asks for a discoverable (resident) credential, which a sign-in without a username needs.
/// webauthn-rs's passkey registration leaves that to the authenticator; this only changes the
/// request, the checks of the answer are the crate's.
fn discoverable(mut options: CreationChallengeResponse) -> CreationChallengeResponse {
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    options
}

pub fn info(row: &PasskeyRow) -> PasskeyInfo {
    PasskeyInfo {
        id: row.id.clone(),
        name: row.name.clone(),
        created_at: row.created_at,
        last_used_at: row.last_used_at,
    }
}

/// The stored credential; `None` (logged) if the row does not parse.
pub fn parse_passkey(row: &PasskeyRow) -> Option<Passkey> {
    serde_json::from_str(&row.passkey)
        .inspect_err(
            |e| tracing::error!(error = %e, passkey = %row.id, "stored passkey does not parse"),
        )
        .ok()
}

/// A credential id as browsers write it (base64url, no padding): the `passkeys` key.
pub fn credential_id(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// User ids are UUIDs; the passkey's user handle is the id's 16 bytes.
pub fn user_uuid(user_id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(user_id).map_err(|_| {
        tracing::error!(user_id, "user id is not a UUID");
        ApiError::internal()
    })
}

fn refused_to_start(e: webauthn_rs::prelude::WebauthnError) -> ApiError {
    tracing::error!(error = %e, "WebAuthn ceremony did not start");
    ApiError::internal()
}

pub fn not_a_credential() -> ApiError {
    ApiError::invalid_input("`credential` is not a PublicKeyCredential in its JSON form")
}
