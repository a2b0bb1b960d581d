//! Everything that only exists on the server: configuration, state, the database, tokens,
//! passwords and the request guard. Compiled only with the `ssr` feature.

pub mod admin;
pub mod audit;
pub mod config;
pub mod cookies;
pub mod credentials;
pub mod csp;
pub mod db;
pub mod dpop;
pub mod email_address;
pub mod guard;
pub mod login;
pub mod mail;
pub mod metrics_names;
pub mod mfa;
pub mod passkeys;
pub mod passwords;
pub mod prune;
pub mod public_url;
pub mod recovery;
pub mod refresh_rotation;
pub mod request;
pub mod response;
pub mod secret_token;
pub mod session_start;
pub mod state;
#[cfg(test)]
pub mod testkit;
pub mod throttle;
pub mod tokens;

pub use state::AppState;

/// Seconds since the Unix epoch: the clock every timestamp in the database and in tokens uses.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
