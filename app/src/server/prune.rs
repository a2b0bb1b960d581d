//! Retention: the server deletes what no request can need any more, so tables stay bounded by
//! the live users and sessions rather than growing with every refresh.
//!
//! - Retired refresh tokens once `retired_token_retention_secs` have passed since they were
//!   exchanged (until then, presenting one again is detected as reuse and ends its session;
//!   afterwards it is merely unknown).
//! - Ended sessions (revoked, idle too long, past their absolute lifetime), with their tokens,
//!   once the same retention has passed since they ended.
//! - Throttle rows whose window has passed and whose lock is over.
//! - Mail links (verification, reset) once expired or used for the same retention, and sent or
//!   failed mails once `mail_sent_retention_secs` have passed.
//! - Second-step login challenges and passkey ceremonies once expired (they live minutes).
//! - Audit events older than `TOKENGATE_EVENT_RETENTION_DAYS`.

use std::time::Duration;

use super::db::Db;
use super::now_unix;
use super::state::AppState;

/// Rows deleted by one pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub retired_tokens: u64,
    pub sessions: u64,
    pub throttle_rows: u64,
    pub email_links: u64,
    pub mails: u64,
    pub mfa_challenges: u64,
    pub passkey_ceremonies: u64,
    pub events: u64,
}

/// One pass at `now`.
#[allow(clippy::too_many_arguments)]
pub async fn prune(
    db: &Db,
    retention_secs: i64,
    idle_secs: i64,
    throttle_window_secs: i64,
    mail_retention_secs: i64,
    event_retention_secs: i64,
    now: i64,
) -> Result<Pruned, sqlx::Error> {
    let cutoff = now - retention_secs;
    let retired_tokens =
        sqlx::query("DELETE FROM refresh_tokens WHERE rotated_at IS NOT NULL AND rotated_at < $1")
            .bind(cutoff)
            .execute(&db.pool)
            .await?
            .rows_affected();

    let ended = "SELECT id FROM refresh_families
                  WHERE revoked_at < $1 OR expires_at < $1 OR last_used_at < $2";
    let idle_cutoff = cutoff - idle_secs;
    let mut tx = db.pool.begin().await?;
    sqlx::query(&format!(
        "DELETE FROM refresh_tokens WHERE family_id IN ({ended})"
    ))
    .bind(cutoff)
    .bind(idle_cutoff)
    .execute(&mut *tx)
    .await?;
    let sessions = sqlx::query(&format!(
        "DELETE FROM refresh_families WHERE id IN ({ended})"
    ))
    .bind(cutoff)
    .bind(idle_cutoff)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;

    let throttle_rows =
        sqlx::query("DELETE FROM login_throttle WHERE window_start < $1 AND locked_until < $2")
            .bind(now - throttle_window_secs)
            .bind(now)
            .execute(&db.pool)
            .await?
            .rows_affected();

    let email_links = super::db::email_tokens::prune(db, cutoff).await?;
    let mails = super::mail::queue::prune(db, now - mail_retention_secs).await?;
    let mfa_challenges = super::db::mfa::prune_challenges(db, now).await?;
    let passkey_ceremonies = super::db::passkeys::prune_ceremonies(db, now).await?;
    let events = super::audit::prune(db, now - event_retention_secs).await?;

    Ok(Pruned {
        retired_tokens,
        sessions,
        throttle_rows,
        email_links,
        mails,
        mfa_challenges,
        passkey_ceremonies,
        events,
    })
}

/// Prunes every `every`, forever; a failed pass is logged and retried at the next tick.
pub fn spawn(state: &AppState, every: Duration, event_retention_days: u64) {
    let state = state.clone();
    let event_retention_secs = i64::try_from(event_retention_days * 86_400).unwrap_or(i64::MAX);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            let sessions = &state.sessions;
            let pass = prune(
                &state.db,
                sessions.retired_token_retention_secs,
                sessions.idle_secs,
                state.throttle.window_secs,
                state.mailer.sent_retention_secs(),
                event_retention_secs,
                now_unix(),
            )
            .await;
            match pass {
                Ok(pruned) if pruned != Pruned::default() => tracing::info!(?pruned, "pruned"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "pruning failed"),
            }
        }
    });
}
