//! E-mail verification: sending the link (or, for an address another account has verified, a
//! notice instead) and confirming it.

use super::super::db::email_tokens::{self, LinkPurpose};
use super::super::db::users::{self, SetEmailError, UserRecord};
use super::super::email_address::EmailAddress;
use super::super::mail::templates;
use super::super::mail::MailPurpose;
use super::super::secret_token;
use super::super::state::AppState;
use super::notices;
use crate::error::{ApiError, ErrorCode};

/// Queues what an address given for `user` gets: a verification link, or, when another account
/// has already verified it, a notice to that address (and no link). The caller's answer is the
/// same either way, so it reveals nothing. Re-giving the address the account has verified already
/// sends nothing.
pub async fn send_verification(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    user: &UserRecord,
    address: &EmailAddress,
    now: i64,
) -> Result<(), ApiError> {
    let owner = users::find_by_verified_email(&state.db, address).await?;
    match owner {
        Some(owner) if owner.id == user.id => Ok(()),
        Some(_) => {
            let rendered = templates::address_in_use(&notices::request_context(state, now)?);
            let purpose = MailPurpose::NoticeAddressInUse;
            notices::queue(conn, state, purpose, address.as_str(), rendered, now).await
        }
        None => {
            let token = secret_token::generate();
            let ttl = state.recovery.email_verify_ttl_secs;
            email_tokens::replace(
                conn,
                &secret_token::hash(&token),
                &user.id,
                LinkPurpose::VerifyEmail,
                address.as_str(),
                address.key(),
                now,
                ttl,
            )
            .await?;
            let link = state
                .public_url
                .join(&format!("/verify-email?token={token}"));
            let rendered = templates::verify_email(&user.username, &link, ttl / 3600);
            let purpose = MailPurpose::VerifyEmail;
            notices::queue(conn, state, purpose, address.as_str(), rendered, now).await
        }
    }
}

/// The address a confirmed link verified.
pub struct Verified {
    pub email: String,
}

/// Consumes a verification link: its address becomes the account's verified address. 400
/// `invalid_verify_token` for an unknown, used, superseded or expired link; 409 `email_taken` when
/// another account verified the address after this link was sent.
pub async fn confirm(state: &AppState, token: &str, now: i64) -> Result<Verified, ApiError> {
    if !secret_token::is_well_formed(token) {
        return Err(invalid_verify_token());
    }
    let mut tx = state.db.pool.begin().await?;
    let hash = secret_token::hash(token);
    let Some(link) = email_tokens::consume(&mut tx, &hash, LinkPurpose::VerifyEmail, now).await?
    else {
        return Err(invalid_verify_token());
    };
    match users::set_verified_email(&mut tx, &link.user_id, &link.email, &link.email_key, now).await
    {
        Ok(()) => {}
        Err(SetEmailError::Taken) => {
            return Err(ApiError::new(
                ErrorCode::EmailTaken,
                "This address was verified by another account in the meantime",
            ))
        }
        Err(SetEmailError::Db(e)) => return Err(e.into()),
    }
    let kind = super::super::audit::EventKind::EmailVerified;
    super::super::audit::by_user_in(&mut tx, state, kind, &link.user_id, None, now).await?;
    tx.commit().await?;
    tracing::info!(user_id = %link.user_id, "e-mail address verified");
    Ok(Verified { email: link.email })
}

pub fn invalid_verify_token() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidVerifyToken,
        "This verification link is not valid any more. Ask for a new one from your account page.",
    )
}
