//! A passkey-only account: created when its first passkey passes registration, with no password
//! (`users::NO_PASSWORD`), and signed in at once.

use webauthn_rs::prelude::Passkey;

use super::registration::{self, SignupContext};
use super::AMR_PASSKEY;
use crate::api::TokenResponse;
use crate::error::ApiError;
use crate::server::audit::{self, EventKind, NewEvent, Origin};
use crate::server::credentials::Username;
use crate::server::db::users::{self, CreateUserError, NO_PASSWORD};
use crate::server::dpop::TokenBinding;
use crate::server::email_address::EmailAddress;
use crate::server::recovery::links::send_verification;
use crate::server::session_start::first_session;
use crate::server::state::AppState;

/// Creates the account `user_id` of a finished sign-up ceremony with its passkey, and starts its
/// first session (201). 409 `username_taken` if the name was taken since the start.
pub async fn create_account(
    state: &AppState,
    user_id: &str,
    context: &SignupContext,
    passkey: &Passkey,
    name: &str,
    binding: TokenBinding,
    now: i64,
) -> Result<TokenResponse, ApiError> {
    let username = Username::parse(&context.username)?;
    let email = context
        .email
        .as_deref()
        .map(EmailAddress::parse)
        .transpose()?;
    let mut tx = state.db.pool.begin().await?;
    let user = users::create(
        &mut *tx,
        user_id,
        &username,
        NO_PASSWORD,
        email.as_ref(),
        now,
    )
    .await
    .map_err(|e| match e {
        CreateUserError::UsernameTaken => ApiError::username_taken(),
        CreateUserError::Db(e) => e.into(),
    })?;
    registration::store(&mut tx, &user.id, passkey, name, now).await?;
    if let Some(address) = &email {
        send_verification(&mut tx, state, &user, address, now).await?;
    }
    let origin = Origin::current(state);
    let signup = NewEvent::by_user(EventKind::Signup, &user.id, &origin, now).reason("passkey");
    audit::record(&mut tx, &signup).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user_id = %user.id, "account created with a passkey");
    first_session(state, &user, binding, AMR_PASSKEY).await
}
