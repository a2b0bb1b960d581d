//! A second factor (issue 14): TOTP with single-use recovery codes.
//!
//! - A stolen password alone cannot pass: a correct password for an account with a factor answers
//!   403 `mfa_required` with a short-lived `mfa_token` (`challenge`), and only a code finishes the
//!   login. Wrong codes count against the account's login throttle and kill the token after
//!   `MAX_CODE_FAILURES`.
//! - A stolen session alone cannot remove it: turning it off, new recovery codes, and every change
//!   of credentials need the password and a current code (`step_up`).
//! - A code works once: the step it matched is recorded and only later steps pass (`totp`,
//!   `db::mfa`); recovery codes are single use and stored hashed (`recovery_codes`).
//! - TOTP secrets are sealed at rest with the key-encryption key when one is configured.

pub mod challenge;
pub mod recovery_codes;
pub mod step_up;
pub mod totp;

/// How long the second step of a login may take.
pub const CHALLENGE_TTL_SECS: i64 = 300;
/// Wrong codes after which an `mfa_token` is dead.
pub const MAX_CODE_FAILURES: i64 = 5;
/// Recovery codes per set.
pub const RECOVERY_CODES: usize = 10;
/// The `issuer` shown in authenticator apps.
pub const ISSUER: &str = "Tokengate";
