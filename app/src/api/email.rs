//! `POST /api/auth/verify-email`, `/api/account/email`, `/api/account/email/resend`: an
//! account's e-mail address (see `server::recovery`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{Accepted, EmailVerified};
use crate::client::ApiClient;
use crate::error::ApiError;

/// Confirms a verification link (the token from `/verify-email?token=...`). Only this POST
/// consumes it: opening the link does not. 400 `invalid_verify_token`; 409 `email_taken`.
#[server(prefix = "/api", endpoint = "auth/verify-email", input = Json, client = ApiClient)]
pub async fn verify_email(token: String) -> Result<EmailVerified, ApiError> {
    use crate::server::recovery::links;
    use crate::server::state::app_state;

    let state = app_state()?;
    let verified = links::confirm(&state, &token, crate::server::now_unix()).await?;
    Ok(EmailVerified {
        email: verified.email,
    })
}

/// Asks to change the account's address (password required, and a current `code` with a second
/// factor): a verification link goes to the
/// new address (or, if another account has it, a notice), a notice to the old one, and the change
/// takes effect when the link is confirmed. 202 whatever the address; 400 `invalid_input`;
/// 401 `invalid_credentials`; 429 `too_many_attempts`.
#[server(prefix = "/api", endpoint = "account/email", input = Json, client = ApiClient)]
pub async fn change_email(
    email: String,
    password: String,
    #[server(default)] code: Option<String>,
) -> Result<Accepted, ApiError> {
    use crate::server::email_address::EmailAddress;
    use crate::server::guard::{reauthenticate, Reauthenticated};
    use crate::server::mail::{templates, MailPurpose};
    use crate::server::recovery::{links, notices};
    use crate::server::response::set_status;
    use crate::server::throttle;

    let address = EmailAddress::parse(&email)?;
    let Reauthenticated { state, user, .. } = reauthenticate(password, code).await?;
    let now = crate::server::now_unix();
    let bucket = throttle::verification_bucket(&user.id);
    let max = state.recovery.email_max_per_account;
    throttle::admit(&state.db, &state.throttle, &bucket, max, now).await?;
    let mut tx = state.db.pool.begin().await?;
    links::send_verification(&mut tx, &state, &user, &address, now).await?;
    if let Some(old) = user.verified_email() {
        if !old.eq_ignore_ascii_case(address.as_str()) {
            let masked = templates::mask_address(address.as_str());
            let context = notices::request_context(&state, now)?;
            let rendered = templates::email_changed(&user.username, &masked, &context);
            let purpose = MailPurpose::NoticeEmailChanged;
            notices::queue(&mut tx, &state, purpose, old, rendered, now).await?;
        }
    }
    let kind = crate::server::audit::EventKind::EmailChangeRequested;
    crate::server::audit::by_user_in(&mut tx, &state, kind, &user.id, None, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user_id = %user.id, "e-mail change requested");
    set_status(axum::http::StatusCode::ACCEPTED);
    Ok(Accepted { accepted: true })
}

/// Sends a new verification link for the address waiting to be verified (the pending change, or
/// the unverified address); the earlier link stops working. 202 (also when there is nothing to
/// verify); 429 `too_many_attempts`.
#[server(prefix = "/api", endpoint = "account/email/resend", input = Json, client = ApiClient)]
pub async fn resend_verification() -> Result<Accepted, ApiError> {
    use crate::server::db::email_tokens;
    use crate::server::email_address::EmailAddress;
    use crate::server::recovery::links;
    use crate::server::response::set_status;
    use crate::server::throttle;

    let (state, _, user) = crate::server::guard::live_account().await?;
    let now = crate::server::now_unix();
    let bucket = throttle::verification_bucket(&user.id);
    let max = state.recovery.email_max_per_account;
    throttle::admit(&state.db, &state.throttle, &bucket, max, now).await?;
    let pending = email_tokens::pending_address(&state.db, &user.id, now).await?;
    let unverified = user
        .email
        .clone()
        .filter(|_| user.email_verified_at.is_none());
    if let Some(address) = pending.or(unverified) {
        let address = EmailAddress::parse(&address)?;
        let mut tx = state.db.pool.begin().await?;
        links::send_verification(&mut tx, &state, &user, &address, now).await?;
        tx.commit().await?;
        state.mailer.wake();
    }
    set_status(axum::http::StatusCode::ACCEPTED);
    Ok(Accepted { accepted: true })
}
