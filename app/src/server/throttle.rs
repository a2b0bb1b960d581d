//! Brute-force throttling of login and sign-up, stored in the database so that every instance
//! sees the same counters.
//!
//! - Per account: every login attempt is counted before the password is checked (a success clears
//!   the count), so parallel guesses cannot overtake the limit. The attempt that reaches
//!   `login_max_failures` within `login_window_secs` locks the account for `login_lockout_secs`; each
//!   later attempt after a lock ends locks it again for twice as long, capped at the window.
//!   Unknown usernames are counted exactly like real ones, so a lock reveals nothing.
//! - Per client address: `ip_max_failures` failed logins, or `signup_max_per_ip` sign-ups, within the
//!   window lock that address the same way.
//!
//! Trade-off: an attacker can keep one account locked by failing a login every lock period, but
//! never for longer than each lock (at most the window) after they stop, and a successful login
//! clears the account's count. The per-address limit slows distributed guessing from one host.

use super::config::Config;
use super::db::{throttle as store, Db};
use crate::error::{ApiError, ErrorCode};

#[derive(Debug, Clone)]
pub struct ThrottlePolicy {
    pub login_max_failures: i64,
    pub ip_max_failures: i64,
    pub signup_max_per_ip: i64,
    pub window_secs: i64,
    pub lockout_secs: i64,
}

impl ThrottlePolicy {
    pub fn from_config(config: &Config) -> Self {
        Self {
            login_max_failures: config.login_max_failures.into(),
            ip_max_failures: config.login_max_failures_per_ip.into(),
            signup_max_per_ip: config.signup_max_per_ip.into(),
            window_secs: config.login_window_secs as i64,
            lockout_secs: config.login_lockout_secs as i64,
        }
    }

    /// Lock length after `count` events with a limit of `max`: base, doubling, capped.
    pub fn lock_secs(&self, count: i64, max: i64) -> i64 {
        let doublings = (count - max).clamp(0, 20) as u32;
        (self.lockout_secs.saturating_mul(1_i64 << doublings))
            .min(self.window_secs.max(self.lockout_secs))
    }
}

/// Failed logins of one account (by username key, so unknown names are counted alike).
pub fn account_bucket(username_key: &str) -> String {
    format!("login-user:{username_key}")
}

/// Failed logins from one client (`request::address_key`: an IPv4 address or an IPv6 /64).
pub fn ip_bucket(address_key: &str) -> String {
    format!("login-ip:{address_key}")
}

/// Sign-ups from one client.
pub fn signup_bucket(address_key: &str) -> String {
    format!("signup-ip:{address_key}")
}

/// Wrong passwords given to re-authenticate inside one session (password change, deletion):
/// counted per session, so a locked login (someone else guessing) never blocks the owner.
pub fn reauth_bucket(session_id: &str) -> String {
    format!("reauth-session:{session_id}")
}

/// Refreshes of one session in the current window (see `refresh_rotation`).
pub fn refresh_bucket(session_id: &str) -> String {
    format!("refresh-session:{session_id}")
}

/// Password-reset requests from one client.
pub fn reset_ip_bucket(address_key: &str) -> String {
    format!("reset-ip:{address_key}")
}

/// Password-reset requests for one e-mail address (by its key; unknown addresses alike).
pub fn reset_address_bucket(email_key: &str) -> String {
    format!("reset-email:{email_key}")
}

/// Verification mails (address changes, resends) of one account.
pub fn verification_bucket(user_id: &str) -> String {
    format!("verify-user:{user_id}")
}

/// Account-locked notices of one account: at most one per window.
pub fn lock_notice_bucket(user_id: &str) -> String {
    format!("lock-notice:{user_id}")
}

/// A 429 carrying how long to wait; the API boundary turns it into `Retry-After`.
pub fn too_many_attempts(retry_after: i64) -> ApiError {
    ApiError::new(
        ErrorCode::TooManyAttempts,
        format!("Too many attempts. Try again in {retry_after} seconds."),
    )
    .with_retry_after(retry_after)
}

/// Refuses with 429 when any of `buckets` is locked.
pub async fn ensure_unlocked(db: &Db, buckets: &[&str], now: i64) -> Result<(), ApiError> {
    for bucket in buckets {
        if let Some(wait) = store::locked_for(db, bucket, now).await? {
            return Err(too_many_attempts(wait));
        }
    }
    Ok(())
}

/// Admits one attempt in `bucket`, counting it before the caller does any work, so concurrent
/// attempts cannot slip past the limit: the attempt that reaches `max` (and, after each lock,
/// the next one) atomically takes a lock of `lock_secs` and proceeds; any attempt that finds a lock
/// gets 429. A successful login then `clear`s the bucket.
pub async fn admit(
    db: &Db,
    policy: &ThrottlePolicy,
    bucket: &str,
    max: i64,
    now: i64,
) -> Result<(), ApiError> {
    ensure_unlocked(db, &[bucket], now).await?;
    take_attempt(db, policy, bucket, max, now).await.map(drop)
}

/// `admit` for a caller that has just checked `ensure_unlocked` itself (no second lock query).
/// `Ok(true)` when this attempt took a lock (it still proceeds; the next one is refused).
pub async fn take_attempt(
    db: &Db,
    policy: &ThrottlePolicy,
    bucket: &str,
    max: i64,
    now: i64,
) -> Result<bool, ApiError> {
    let count = store::count_event(db, bucket, now, policy.window_secs).await?;
    if count >= max {
        let until = now + policy.lock_secs(count, max);
        let claimed = store::claim(db, bucket, now, until).await?;
        if !claimed {
            ensure_unlocked(db, &[bucket], now).await?;
            return Err(too_many_attempts(1));
        }
        return Ok(true);
    }
    Ok(false)
}

/// Counts one occurrence in `bucket` and says whether it is the first of the window (for
/// "at most one per window" rules, such as the account-locked notice).
pub async fn first_in_window(
    db: &Db,
    policy: &ThrottlePolicy,
    bucket: &str,
    now: i64,
) -> Result<bool, ApiError> {
    Ok(store::count_event(db, bucket, now, policy.window_secs).await? == 1)
}

/// Takes back one counted attempt (a success from a shared address).
pub async fn forgive(db: &Db, bucket: &str) -> Result<(), ApiError> {
    Ok(store::forgive(db, bucket).await?)
}

/// `forgive(forgiven)` and `clear(cleared)` with one commit (a successful login).
pub async fn forgive_and_clear(
    db: &Db,
    forgiven: &str,
    cleared: Option<&str>,
) -> Result<(), ApiError> {
    Ok(store::forgive_and_clear(db, forgiven, cleared).await?)
}

pub async fn clear(db: &Db, bucket: &str) -> Result<(), ApiError> {
    Ok(store::clear(db, bucket).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::testkit::{memory_db, throttle_policy};

    /// The seconds a refused attempt is told to wait, or `None` when it was admitted.
    async fn wait_at(db: &Db, policy: &ThrottlePolicy, now: i64) -> Option<i64> {
        match admit(
            db,
            policy,
            "login-user:alice",
            policy.login_max_failures,
            now,
        )
        .await
        {
            Ok(()) => None,
            Err(err) => {
                assert_eq!(err.error, ErrorCode::TooManyAttempts);
                err.retry_after
            }
        }
    }

    #[tokio::test]
    async fn each_attempt_after_a_lock_ends_locks_again_for_twice_as_long() {
        let db = memory_db().await;
        let policy = throttle_policy();
        for now in 0..3 {
            assert_eq!(wait_at(&db, &policy, now).await, None);
        }
        // The third attempt took a 30 s lock (until 32).
        assert_eq!(wait_at(&db, &policy, 3).await, Some(29));
        assert_eq!(wait_at(&db, &policy, 31).await, Some(1));
        // The next attempt after it is admitted and locks for 60 s, then 120 s.
        assert_eq!(wait_at(&db, &policy, 32).await, None);
        assert_eq!(wait_at(&db, &policy, 33).await, Some(59));
        assert_eq!(wait_at(&db, &policy, 92).await, None);
        assert_eq!(wait_at(&db, &policy, 93).await, Some(119));
    }

    #[tokio::test]
    async fn a_new_window_starts_the_count_again() {
        let db = memory_db().await;
        let policy = throttle_policy();
        for now in [0, 1] {
            assert_eq!(wait_at(&db, &policy, now).await, None);
        }
        // Two attempts in this window, one more would lock; a window later it is the first.
        for now in [901, 902] {
            assert_eq!(wait_at(&db, &policy, now).await, None);
        }
        assert_eq!(wait_at(&db, &policy, 903).await, None);
        assert_eq!(wait_at(&db, &policy, 904).await, Some(29));
    }

    #[test]
    fn lock_doubles_per_failure_and_is_capped_by_the_window() {
        let policy = ThrottlePolicy {
            login_max_failures: 5,
            ip_max_failures: 50,
            signup_max_per_ip: 20,
            window_secs: 900,
            lockout_secs: 30,
        };
        assert_eq!(policy.lock_secs(5, 5), 30);
        assert_eq!(policy.lock_secs(6, 5), 60);
        assert_eq!(policy.lock_secs(7, 5), 120);
        assert_eq!(policy.lock_secs(10, 5), 900);
        assert_eq!(policy.lock_secs(500, 5), 900);
    }
}
