//! The jobs of a login besides starting the session (`session_start`): finding the account a
//! login names, throttle bookkeeping, and checking the password so that every outcome costs the
//! same Argon2 work.

use super::credentials::{Password, Username};
use super::db::users::{self, UserRecord};
use super::email_address::EmailAddress;
use super::response::internal;
use super::state::AppState;
use super::throttle;
use crate::error::ApiError;

/// What the login form's first field names: a username, or a verified e-mail address in its
/// place (usernames cannot contain `@`).
pub struct LoginName {
    /// The throttle key of the account: its username key when the account exists (so a name
    /// and an address share one count), else the name or address as given.
    pub account_key: Option<String>,
    pub account: Option<UserRecord>,
}

impl LoginName {
    /// Looks the account up. Unknown names and addresses, and unverified addresses, find none;
    /// the caller then spends the same Argon2 work as for a wrong password.
    pub async fn resolve(state: &AppState, raw: &str) -> Result<Self, ApiError> {
        let (account_key, account) = if EmailAddress::looks_like(raw) {
            match EmailAddress::parse(raw) {
                Ok(address) => {
                    let account = users::find_by_verified_email(&state.db, &address).await?;
                    (Some(format!("@{}", address.key())), account)
                }
                Err(_) => (None, None),
            }
        } else {
            match Username::parse(raw) {
                Ok(name) => {
                    let account = users::find_by_username(&state.db, &name).await?;
                    (Some(name.key().to_owned()), account)
                }
                Err(_) => (None, None),
            }
        };
        let account_key = match &account {
            Some(user) => Some(user.username.to_ascii_lowercase()),
            None => account_key,
        };
        Ok(Self {
            account_key,
            account,
        })
    }
}

/// The throttle buckets one login attempt counts in: the client's address, and the account it
/// names (unknown names get a bucket too, so a lock says nothing about whether an account exists).
pub struct LoginAttempt {
    ip_bucket: String,
    account_bucket: Option<String>,
    /// This attempt reached the account's limit and locked it.
    pub locked_account: bool,
}

impl LoginAttempt {
    /// Refuses with 429 when a bucket is locked, then counts the attempt in both before the
    /// password is checked, so parallel guesses cannot overtake the limits.
    pub async fn admit(
        state: &AppState,
        client_key: &str,
        account_key: Option<&str>,
        now: i64,
    ) -> Result<Self, ApiError> {
        let mut attempt = Self {
            ip_bucket: throttle::ip_bucket(client_key),
            account_bucket: account_key.map(throttle::account_bucket),
            locked_account: false,
        };
        let mut buckets = vec![attempt.ip_bucket.as_str()];
        buckets.extend(attempt.account_bucket.as_deref());
        throttle::ensure_unlocked(&state.db, &buckets, now).await?;
        let policy = &state.throttle;
        let db = &state.db;
        throttle::take_attempt(db, policy, &attempt.ip_bucket, policy.ip_max_failures, now).await?;
        if let Some(bucket) = &attempt.account_bucket {
            attempt.locked_account =
                throttle::take_attempt(db, policy, bucket, policy.login_max_failures, now).await?;
        }
        Ok(attempt)
    }

    /// A correct password for an account whose login a second factor must finish: the address's
    /// count is taken back, the account's stays until the code passes (wrong codes add to it).
    pub async fn password_passed(self, state: &AppState) -> Result<(), ApiError> {
        throttle::forgive(&state.db, &self.ip_bucket).await
    }

    /// A success takes the address's count back (others behind it keep theirs) and clears the
    /// account's, in one transaction.
    pub async fn succeeded(self, state: &AppState) -> Result<(), ApiError> {
        throttle::forgive_and_clear(&state.db, &self.ip_bucket, self.account_bucket.as_deref())
            .await
    }
}

/// `account` if `password` is its password. No account and unusable passwords cost the same
/// Argon2 work as a wrong password. A hash made with other Argon2 parameters than the configured
/// ones is upgraded on the way.
pub async fn check_password(
    state: &AppState,
    account: Option<UserRecord>,
    password: String,
) -> Result<Option<UserRecord>, ApiError> {
    let Ok(password) = Password::for_login(password) else {
        return Ok(None);
    };
    let stored = account.as_ref().and_then(UserRecord::password_to_verify);
    let verified = state
        .passwords
        .verify(password.clone(), stored)
        .await
        .map_err(internal)?;
    match account {
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
