//! Every Prometheus metric the server exports, named and described in this one place, with one
//! small function per thing that is counted or measured, so the flows that record them (login,
//! refresh, tokens, passwords) never spell a metric name or a label themselves. The functions
//! only record into the `metrics` facade: without an installed recorder (`TOKENGATE_METRICS_ADDR`
//! unset, unit tests) they cost next to nothing. Labels carry outcomes only, never a username,
//! an address or a token.

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};

pub const LOGINS_TOTAL: &str = "tokengate_logins_total";
pub const SECOND_FACTOR_TOTAL: &str = "tokengate_second_factor_total";
pub const REFRESHES_TOTAL: &str = "tokengate_refreshes_total";
pub const PASSKEYS_REFUSED_TOTAL: &str = "tokengate_passkeys_refused_total";
pub const ACCOUNT_LOCKS_TOTAL: &str = "tokengate_account_locks_total";
pub const TOKEN_VERIFICATIONS_TOTAL: &str = "tokengate_token_verifications_total";
pub const SIGNATURE_BATCH_SIZE: &str = "tokengate_signature_batch_size";
pub const PASSWORD_HASH_SECONDS: &str = "tokengate_password_hash_seconds";
pub const PASSWORD_VERIFY_SECONDS: &str = "tokengate_password_verify_seconds";
pub const MAIL_QUEUE_PENDING: &str = "tokengate_mail_queue_pending";
pub const MAIL_QUEUE_FAILED: &str = "tokengate_mail_queue_failed";
pub const DB_POOL_CONNECTIONS: &str = "tokengate_db_pool_connections";
pub const DB_POOL_IDLE_CONNECTIONS: &str = "tokengate_db_pool_idle_connections";

/// Bucket bounds (seconds) of the two Argon2 histograms: a hash with the OWASP parameters takes
/// tens of milliseconds on one core, and seconds when logins queue for the hashing permits.
pub const PASSWORD_SECONDS_BUCKETS: [f64; 10] =
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Bucket bounds of the Ed25519 batch sizes (1 = checked alone; at most `tokens::batch::MAX_BATCH`).
pub const SIGNATURE_BATCH_BUCKETS: [f64; 7] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

/// A password login, by `outcome`: `succeeded`, `failed`, `mfa_required`, `locked`, `disabled`.
pub fn login(outcome: &'static str) {
    counter!(LOGINS_TOTAL, "outcome" => outcome).increment(1);
}

/// The second step of a login, by `outcome`: `passed`, `failed`.
pub fn second_factor(outcome: &'static str) {
    counter!(SECOND_FACTOR_TOTAL, "outcome" => outcome).increment(1);
}

/// A refused passkey, by `reason`: `unknown_credential`, `counter_regression`,
/// `assertion_refused`, `concurrent_use`.
pub fn passkey_refused(reason: &'static str) {
    counter!(PASSKEYS_REFUSED_TOTAL, "reason" => reason).increment(1);
}

/// A refresh, by `outcome`: `rotated`, `grace_replay`, `reused`, `ended`, `too_many`.
pub fn refresh(outcome: &'static str) {
    counter!(REFRESHES_TOTAL, "outcome" => outcome).increment(1);
}

/// An account (or client address) locked by the login throttle.
pub fn lock() {
    counter!(ACCOUNT_LOCKS_TOTAL).increment(1);
}

/// An access token that passed verification, by `cache`: `hit` (signature check skipped) or
/// `miss`.
pub fn token_verification(cache: &'static str) {
    counter!(TOKEN_VERIFICATIONS_TOTAL, "cache" => cache).increment(1);
}

/// How many access-token signatures one verification thread checked together.
pub fn signature_batch(size: usize) {
    histogram!(SIGNATURE_BATCH_SIZE).record(size as f64);
}

/// How long hashing a new password took (queueing for a permit included).
pub fn password_hash_seconds(secs: f64) {
    histogram!(PASSWORD_HASH_SECONDS).record(secs);
}

/// How long verifying a password took (queueing for a permit included).
pub fn password_verify_seconds(secs: f64) {
    histogram!(PASSWORD_VERIFY_SECONDS).record(secs);
}

/// The mail outbox: waiting now, and given up in the last day (`mail::queue::depth`).
pub fn mail_queue(pending: i64, failed: i64) {
    gauge!(MAIL_QUEUE_PENDING).set(pending as f64);
    gauge!(MAIL_QUEUE_FAILED).set(failed as f64);
}

/// The database pool: connections open (`size`) and, of those, idle.
pub fn db_pool(size: u32, idle: usize) {
    gauge!(DB_POOL_CONNECTIONS).set(f64::from(size));
    gauge!(DB_POOL_IDLE_CONNECTIONS).set(idle as f64);
}

/// The `# HELP` lines, registered once when the recorder is installed.
pub fn describe() {
    describe_counter!(
        LOGINS_TOTAL,
        "Password logins by outcome (succeeded, failed, mfa_required, locked, disabled)"
    );
    describe_counter!(
        SECOND_FACTOR_TOTAL,
        "Second login steps by outcome (passed, failed)"
    );
    describe_counter!(
        REFRESHES_TOTAL,
        "Refresh-token exchanges by outcome (rotated, grace_replay, reused, ended, too_many)"
    );
    describe_counter!(ACCOUNT_LOCKS_TOTAL, "Locks set by the login throttle");
    describe_counter!(
        PASSKEYS_REFUSED_TOTAL,
        "Passkey assertions refused, by reason"
    );
    describe_counter!(
        TOKEN_VERIFICATIONS_TOTAL,
        "Access tokens verified, by verified-token cache hit or miss"
    );
    describe_histogram!(
        SIGNATURE_BATCH_SIZE,
        "Access-token signatures checked together, per Ed25519 batch"
    );
    describe_histogram!(
        PASSWORD_HASH_SECONDS,
        metrics::Unit::Seconds,
        "Time to hash a new password with Argon2id, queueing included"
    );
    describe_histogram!(
        PASSWORD_VERIFY_SECONDS,
        metrics::Unit::Seconds,
        "Time to verify a password with Argon2id, queueing included"
    );
    describe_gauge!(MAIL_QUEUE_PENDING, "Mails waiting in the outbox");
    describe_gauge!(MAIL_QUEUE_FAILED, "Mails given up in the last 24 hours");
    describe_gauge!(DB_POOL_CONNECTIONS, "Open database connections");
    describe_gauge!(
        DB_POOL_IDLE_CONNECTIONS,
        "Open database connections not in use"
    );
}
