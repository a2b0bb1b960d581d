//! Password reset.
//!
//! A request is answered 202 after the throttles and one queue insert, whatever the address:
//! the look-up happens later, in the mail sender (`ResetResolver`), so known, unknown and
//! unverified addresses cost the request exactly the same work. Only a verified address gets a
//! link; the newest link of an account is the only one that works.
//!
//! Confirming checks the new password against the policy before it consumes the link (a weak
//! password does not burn it), then, in one transaction: consumes it, sets the password, ends
//! every session (`change_credentials`), retires every other link, and queues a notice. The
//! account's login lock is cleared, and the answer is a new session.

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::super::credentials::{Password, Username};
use super::super::db::email_tokens::{self, LinkPurpose};
use super::super::db::refresh_families::RevokeReason;
use super::super::db::users::{self, UserRecord};
use super::super::db::Db;
use super::super::email_address::EmailAddress;
use super::super::mail::templates::{self, Context};
use super::super::mail::{DeferredResolver, MailPurpose, OutgoingMail};
use super::super::public_url::PublicUrl;
use super::super::response::internal;
use super::super::secret_token;
use super::super::state::AppState;
use super::super::throttle;
use super::notices;
use crate::error::{ApiError, ErrorCode};

/// The queue purpose of a reset request that the sender resolves.
pub const REQUEST_PURPOSE: &str = "password_reset_request";

/// What the request knew, carried to the resolver for the mail's "from which browser" line.
#[derive(Debug, Serialize, Deserialize)]
struct RequestFacts {
    requested_at: i64,
    client_address: String,
    user_agent: String,
}

/// Throttles, then queues the request. Invalid addresses are 400 (that says nothing about
/// accounts); everything else is the same 202.
pub async fn request(state: &AppState, raw_email: &str, now: i64) -> Result<(), ApiError> {
    let address = EmailAddress::parse(raw_email)?;
    let client = super::super::request::client_key(&state.trusted_proxies)?;
    let policy = &state.recovery;
    let ip_bucket = throttle::reset_ip_bucket(&client);
    let address_bucket = throttle::reset_address_bucket(address.key());
    let (db, limits) = (&state.db, &state.throttle);
    throttle::ensure_unlocked(db, &[&ip_bucket, &address_bucket], now).await?;
    throttle::take_attempt(
        db,
        limits,
        &ip_bucket,
        policy.password_reset_max_per_ip,
        now,
    )
    .await?;
    let max = policy.password_reset_max_per_address;
    throttle::take_attempt(db, limits, &address_bucket, max, now).await?;
    let context = notices::request_context(state, now)?;
    let facts = serde_json::to_string(&RequestFacts {
        requested_at: now,
        client_address: context.client_address,
        user_agent: context.user_agent,
    })
    .map_err(internal)?;
    super::super::mail::queue::enqueue_request(
        &state.db.pool,
        &state.db,
        REQUEST_PURPOSE,
        address.as_str(),
        &facts,
        now,
    )
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "reset request not queued");
        ApiError::internal()
    })?;
    state.mailer.wake();
    Ok(())
}

/// Turns a queued reset request into a mail, in the sender.
pub struct ResetResolver {
    pub public_url: PublicUrl,
    pub ttl_secs: i64,
}

impl DeferredResolver for ResetResolver {
    fn resolve<'a>(
        &'a self,
        db: &'a Db,
        recipient: &'a str,
        payload: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<Option<OutgoingMail>, String>> {
        Box::pin(async move {
            let facts: RequestFacts = serde_json::from_str(payload).map_err(|e| e.to_string())?;
            let Ok(address) = EmailAddress::parse(recipient) else {
                return Ok(None);
            };
            let Some(user) = users::find_by_verified_email(db, &address)
                .await
                .map_err(|e| e.to_string())?
            else {
                return Ok(None);
            };
            let token = secret_token::generate();
            let mut conn = db.pool.acquire().await.map_err(|e| e.to_string())?;
            email_tokens::replace(
                &mut conn,
                &secret_token::hash(&token),
                &user.id,
                LinkPurpose::PasswordReset,
                address.as_str(),
                address.key(),
                now,
                self.ttl_secs,
            )
            .await
            .map_err(|e| e.to_string())?;
            let link = self
                .public_url
                .join(&format!("/reset-password?token={token}"));
            let context = Context {
                when: facts.requested_at,
                client_address: facts.client_address,
                user_agent: facts.user_agent,
            };
            let rendered =
                templates::password_reset(&user.username, &link, self.ttl_secs / 60, &context);
            let mail = notices::outgoing(MailPurpose::PasswordReset, address.as_str(), rendered)
                .map_err(|e| e.to_string())?;
            Ok(Some(mail))
        })
    }
}

/// Sets a new password through a reset link and returns the account, as it now is, for the new
/// session. 400 `invalid_reset_token`; 422 `weak_password` (the link still works).
pub async fn confirm(
    state: &AppState,
    token: &str,
    new_password: String,
    now: i64,
) -> Result<UserRecord, ApiError> {
    if !secret_token::is_well_formed(token) {
        return Err(invalid_reset_token());
    }
    let hash = secret_token::hash(token);
    let purpose = LinkPurpose::PasswordReset;
    let Some(link) = email_tokens::find_live(&state.db, &hash, purpose, now).await? else {
        return Err(invalid_reset_token());
    };
    let user = users::find_by_id(&state.db, &link.user_id).await?;
    // Bound to the address it was sent to: a link sent before the address changed is dead. A
    // link an operator handed over (`tokengate users reset-password`) is bound to no address.
    let user = user
        .filter(|u| {
            link.email_key.is_empty()
                || u.verified_email()
                    .and_then(|e| EmailAddress::parse(e).ok())
                    .is_some_and(|e| e.key() == link.email_key)
        })
        .ok_or_else(invalid_reset_token)?;
    let name = Username::parse(&user.username)?;
    let password = Password::parse(new_password, &name)?;
    let password_hash = state.passwords.hash(password).await.map_err(internal)?;

    let mut tx = state.db.pool.begin().await?;
    if email_tokens::consume(&mut tx, &hash, purpose, now)
        .await?
        .is_none()
    {
        return Err(invalid_reset_token());
    }
    let reason = RevokeReason::PasswordReset;
    let ended =
        users::change_credentials_in(&mut tx, &user.id, Some(&password_hash), None, reason, now)
            .await?;
    email_tokens::retire_all(&mut tx, &user.id, now).await?;
    let kind = super::super::audit::EventKind::PasswordReset;
    super::super::audit::by_user_in(&mut tx, state, kind, &user.id, None, now).await?;
    if let Some(to) = user.verified_email() {
        let rendered =
            templates::password_reset_done(&user.username, &notices::request_context(state, now)?);
        let purpose = MailPurpose::NoticePasswordReset;
        notices::queue(&mut tx, state, purpose, to, rendered, now).await?;
    }
    tx.commit().await?;
    state.mailer.wake();
    throttle::clear(&state.db, &throttle::account_bucket(name.key())).await?;
    tracing::info!(user_id = %user.id, ended, "password reset");
    users::find_by_id(&state.db, &user.id)
        .await?
        .ok_or_else(invalid_reset_token)
}

pub fn invalid_reset_token() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidResetToken,
        "This reset link is not valid any more. Ask for a new one.",
    )
}
