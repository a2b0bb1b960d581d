//! The security audit trail (issue 16): one row in `security_events` per thing that happened to
//! an account, with when, whom, who did it, from where and which session. Written on the
//! connection of the change it records (inside its transaction where it has one), so an event
//! exists exactly when its change does. Reasons are stable codes, never secrets.

pub mod user_agent;

use super::request::{client_ip_of, user_agent as raw_user_agent, with_parts};
use super::state::AppState;
use crate::error::ApiError;

/// What happened. Stored as [`as_str`](Self::as_str); clients may filter on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Signup,
    LoginSucceeded,
    LoginFailed,
    MfaPassed,
    MfaFailed,
    AccountLocked,
    RefreshTokenReused,
    GraceReplay,
    SessionEnded,
    PasswordChanged,
    PasswordReset,
    EmailChangeRequested,
    EmailVerified,
    MfaEnabled,
    MfaDisabled,
    RecoveryCodesRegenerated,
    AccountDisabled,
    AccountEnabled,
    RoleChanged,
    SignedOutByAdmin,
    MfaReset,
    AccountDeleted,
    PasskeyAdded,
    PasskeyRemoved,
    PasskeyRefused,
    DpopRefused,
}

impl EventKind {
    pub const ALL: [Self; 26] = [
        Self::Signup,
        Self::LoginSucceeded,
        Self::LoginFailed,
        Self::MfaPassed,
        Self::MfaFailed,
        Self::AccountLocked,
        Self::RefreshTokenReused,
        Self::GraceReplay,
        Self::SessionEnded,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::EmailChangeRequested,
        Self::EmailVerified,
        Self::MfaEnabled,
        Self::MfaDisabled,
        Self::RecoveryCodesRegenerated,
        Self::AccountDisabled,
        Self::AccountEnabled,
        Self::RoleChanged,
        Self::SignedOutByAdmin,
        Self::MfaReset,
        Self::AccountDeleted,
        Self::PasskeyAdded,
        Self::PasskeyRemoved,
        Self::PasskeyRefused,
        Self::DpopRefused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::LoginSucceeded => "login_succeeded",
            Self::LoginFailed => "login_failed",
            Self::MfaPassed => "mfa_passed",
            Self::MfaFailed => "mfa_failed",
            Self::AccountLocked => "account_locked",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::GraceReplay => "grace_replay",
            Self::SessionEnded => "session_ended",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::EmailChangeRequested => "email_change_requested",
            Self::EmailVerified => "email_verified",
            Self::MfaEnabled => "mfa_enabled",
            Self::MfaDisabled => "mfa_disabled",
            Self::RecoveryCodesRegenerated => "recovery_codes_regenerated",
            Self::AccountDisabled => "account_disabled",
            Self::AccountEnabled => "account_enabled",
            Self::RoleChanged => "role_changed",
            Self::SignedOutByAdmin => "signed_out_by_admin",
            Self::MfaReset => "mfa_reset",
            Self::AccountDeleted => "account_deleted",
            Self::PasskeyAdded => "passkey_added",
            Self::PasskeyRemoved => "passkey_removed",
            Self::PasskeyRefused => "passkey_refused",
            Self::DpopRefused => "dpop_refused",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == stored)
    }
}

/// Where a request came from, as events record it.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub client_address: Option<String>,
    /// Parsed (`user_agent::describe`).
    pub user_agent: Option<String>,
}

impl Origin {
    /// The request being answered; empty outside one (the CLI, background tasks).
    pub fn current(state: &AppState) -> Self {
        with_parts(|parts| Self::of(state, parts)).unwrap_or_default()
    }

    /// The request `parts` belong to (for plain axum handlers).
    pub fn of(state: &AppState, parts: &axum::http::request::Parts) -> Self {
        Self {
            client_address: Some(client_ip_of(parts, &state.trusted_proxies).to_string()),
            user_agent: Some(user_agent::describe(&raw_user_agent(&parts.headers))),
        }
    }
}

/// One event to write.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub kind: EventKind,
    pub user_id: Option<&'a str>,
    pub actor_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub origin: &'a Origin,
    pub at: i64,
}

impl<'a> NewEvent<'a> {
    /// Something `user_id` did themself.
    pub fn by_user(kind: EventKind, user_id: &'a str, origin: &'a Origin, at: i64) -> Self {
        Self {
            kind,
            user_id: Some(user_id),
            actor_id: Some(user_id),
            session_id: None,
            reason: None,
            origin,
            at,
        }
    }

    pub fn session(mut self, session_id: &'a str) -> Self {
        self.session_id = Some(session_id);
        self
    }

    pub fn reason(mut self, reason: &'a str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn actor(mut self, actor_id: Option<&'a str>) -> Self {
        self.actor_id = actor_id;
        self
    }
}

/// Writes `event` on `conn` (the caller's transaction, where the change has one).
pub async fn record(
    conn: &mut sqlx::AnyConnection,
    event: &NewEvent<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO security_events
           (id, at, kind, user_id, actor_id, session_id, client_address, user_agent, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    // Version 7: time-ordered (and monotonic within a process), so events of one second list in
    // the order they happened.
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(event.at)
    .bind(event.kind.as_str())
    .bind(event.user_id)
    .bind(event.actor_id)
    .bind(event.session_id)
    .bind(event.origin.client_address.as_deref())
    .bind(event.origin.user_agent.as_deref())
    .bind(event.reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// `record` on a connection of its own, for events that go with no other write.
pub async fn record_alone(state: &AppState, event: &NewEvent<'_>) -> Result<(), ApiError> {
    let mut conn = state.db.pool.acquire().await?;
    Ok(record(&mut conn, event).await?)
}

/// The newest events, at most `limit`, optionally of one user and/or one kind.
pub async fn list(
    db: &super::db::Db,
    user_id: Option<&str>,
    kind: Option<EventKind>,
    limit: i64,
) -> Result<Vec<crate::api::admin::SecurityEvent>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, kind, user_id, actor_id, session_id, client_address, user_agent, reason
           FROM security_events
          WHERE ($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR kind = $2)
          ORDER BY at DESC, id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(kind.map(EventKind::as_str))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// For the pruning task.
pub async fn prune(db: &super::db::Db, cutoff: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM security_events WHERE at < $1")
        .bind(cutoff)
        .execute(&db.pool)
        .await?
        .rows_affected())
}

/// Records that sessions of `user_id` ended (`session_id` for one, `None` for several), why,
/// and by the user themself.
pub async fn session_ended(
    state: &AppState,
    user_id: &str,
    session_id: Option<&str>,
    reason: &str,
    now: i64,
) -> Result<(), ApiError> {
    let origin = Origin::current(state);
    let mut event =
        NewEvent::by_user(EventKind::SessionEnded, user_id, &origin, now).reason(reason);
    event.session_id = session_id;
    record_alone(state, &event).await
}

/// Records `kind`, done by `user_id` themself in the current request (from `session_id` if
/// given), on `conn`: the transaction of the change it records.
pub async fn by_user_in(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    kind: EventKind,
    user_id: &str,
    session_id: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let origin = Origin::current(state);
    let mut event = NewEvent::by_user(kind, user_id, &origin, now);
    event.session_id = session_id;
    record(conn, &event).await
}
