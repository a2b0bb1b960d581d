//! The two jobs of a login besides starting the session (`session_start`): throttle
//! bookkeeping, and checking the password so that every outcome costs the same Argon2 work.

use super::credentials::{Password, Username};
use super::db::users::{self, UserRecord};
use super::response::internal;
use super::state::AppState;
use super::throttle;
use crate::error::ApiError;

/// The throttle buckets one login attempt counts in: the client's address, and the account it
/// names (unknown names get a bucket too, so a lock says nothing about whether an account exists).
pub struct LoginAttempt {
    ip_bucket: String,
    account_bucket: Option<String>,
}

impl LoginAttempt {
    /// Refuses with 429 when a bucket is locked, then counts the attempt in both before the
    /// password is checked, so parallel guesses cannot overtake the limits.
    pub async fn admit(
        state: &AppState,
        client_key: &str,
        username: Option<&Username>,
        now: i64,
    ) -> Result<Self, ApiError> {
        let attempt = Self {
            ip_bucket: throttle::ip_bucket(client_key),
            account_bucket: username.map(|u| throttle::account_bucket(u.key())),
        };
        let mut buckets = vec![attempt.ip_bucket.as_str()];
        buckets.extend(attempt.account_bucket.as_deref());
        throttle::ensure_unlocked(&state.db, &buckets, now).await?;
        let policy = &state.throttle;
        let db = &state.db;
        throttle::take_attempt(db, policy, &attempt.ip_bucket, policy.ip_max_failures, now).await?;
        if let Some(bucket) = &attempt.account_bucket {
            throttle::take_attempt(db, policy, bucket, policy.login_max_failures, now).await?;
        }
        Ok(attempt)
    }

    /// A success takes the address's count back (others behind it keep theirs) and clears the
    /// account's.
    pub async fn succeeded(self, state: &AppState) -> Result<(), ApiError> {
        throttle::forgive(&state.db, &self.ip_bucket).await?;
        if let Some(bucket) = &self.account_bucket {
            throttle::clear(&state.db, bucket).await?;
        }
        Ok(())
    }
}

/// The account `username` names if `password` is its password. Unknown names and unusable
/// passwords cost the same Argon2 work as a wrong password. A hash made with other Argon2
/// parameters than the configured ones is upgraded on the way.
pub async fn check_password(
    state: &AppState,
    username: Option<Username>,
    password: String,
) -> Result<Option<UserRecord>, ApiError> {
    let Ok(password) = Password::for_login(password) else {
        return Ok(None);
    };
    let record = match &username {
        Some(name) => users::find_by_username(&state.db, name).await?,
        None => None,
    };
    let stored = record.as_ref().map(|r| r.password_hash.clone());
    let verified = state
        .passwords
        .verify(password.clone(), stored)
        .await
        .map_err(internal)?;
    match record {
        Some(user) if verified => {
            rehash_if_outdated(state, &user, password).await;
            Ok(Some(user))
        }
        _ => Ok(None),
    }
}

/// Best effort: a failure is logged and the login still succeeds.
async fn rehash_if_outdated(state: &AppState, user: &UserRecord, password: Password) {
    if !state.passwords.needs_rehash(&user.password_hash) {
        return;
    }
    match state.passwords.hash(password).await {
        Ok(hash) => {
            let old = &user.password_hash;
            match users::upgrade_password_hash(&state.db, &user.id, old, &hash).await {
                Ok(()) => {
                    tracing::info!(user_id = %user.id, "password re-hashed with current parameters")
                }
                Err(e) => tracing::warn!(error = %e, user_id = %user.id, "re-hash not stored"),
            }
        }
        Err(e) => tracing::warn!(error = %e, "re-hash failed"),
    }
}
