//! Security notices and link mails, queued inside the caller's transaction. Each notice says
//! what happened, when, and from which browser and address (`Context`), so the owner can tell
//! whether it was them.

use super::super::mail::templates::{self, Context, Rendered};
use super::super::mail::{queue, MailPurpose, OutgoingMail};
use super::super::request::{client_ip, user_agent, with_parts};
use super::super::state::AppState;
use crate::error::ApiError;

/// The request being answered, as a notice describes it.
pub fn request_context(state: &AppState, now: i64) -> Result<Context, ApiError> {
    let client_address = client_ip(&state.trusted_proxies)?.to_string();
    let user_agent = with_parts(|parts| user_agent(&parts.headers))?;
    Ok(Context {
        when: now,
        client_address,
        user_agent,
    })
}

/// A mail to an address that `EmailAddress` accepted (lettre's parser checked it then).
pub fn outgoing(
    purpose: MailPurpose,
    to: &str,
    rendered: Rendered,
) -> Result<OutgoingMail, lettre::address::AddressError> {
    Ok(OutgoingMail::new(purpose, to.parse()?, rendered))
}

/// Queues `rendered` for `to` on `conn` (the caller's transaction); the caller wakes the sender
/// after committing (`AppState::mailer.wake`).
pub async fn queue(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    purpose: MailPurpose,
    to: &str,
    rendered: Rendered,
    now: i64,
) -> Result<(), ApiError> {
    let mail = outgoing(purpose, to, rendered).map_err(|e| {
        tracing::error!(error = %e, purpose = purpose.as_str(), "unsendable address");
        ApiError::internal()
    })?;
    queue::enqueue(&mut *conn, &state.db, &mail, now)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, purpose = purpose.as_str(), "mail not queued");
            ApiError::internal()
        })?;
    Ok(())
}

/// "Your password was changed", to the verified address, if there is one.
pub async fn password_changed(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    user: &super::super::db::users::UserRecord,
    now: i64,
) -> Result<(), ApiError> {
    let Some(to) = user.verified_email() else {
        return Ok(());
    };
    let rendered = templates::password_changed(&user.username, &request_context(state, now)?);
    queue(
        conn,
        state,
        MailPurpose::NoticePasswordChanged,
        to,
        rendered,
        now,
    )
    .await
}

/// "Your account was locked by failed logins", at most once per throttle window per account (an
/// attacker who keeps it locked cannot flood the mailbox), to the verified address if any.
pub async fn account_locked(
    state: &AppState,
    user: &super::super::db::users::UserRecord,
    now: i64,
) -> Result<(), ApiError> {
    use super::super::throttle;

    let Some(to) = user.verified_email() else {
        return Ok(());
    };
    let bucket = throttle::lock_notice_bucket(&user.id);
    if !throttle::first_in_window(&state.db, &state.throttle, &bucket, now).await? {
        return Ok(());
    }
    let lock_minutes = (state.throttle.lockout_secs + 59) / 60;
    let context = request_context(state, now)?;
    let rendered = templates::account_locked(&user.username, lock_minutes, &context);
    let mut conn = state.db.pool.acquire().await?;
    queue(
        &mut conn,
        state,
        MailPurpose::NoticeAccountLocked,
        to,
        rendered,
        now,
    )
    .await?;
    state.mailer.wake();
    Ok(())
}

/// Queues a notice for `user`'s verified address, if there is one, on `conn`; `render` gets the
/// request's context.
pub async fn to_verified_address(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    user: &super::super::db::users::UserRecord,
    purpose: MailPurpose,
    render: impl FnOnce(&Context) -> Rendered,
    now: i64,
) -> Result<(), ApiError> {
    let Some(to) = user.verified_email() else {
        return Ok(());
    };
    let rendered = render(&request_context(state, now)?);
    queue(conn, state, purpose, to, rendered, now).await
}
