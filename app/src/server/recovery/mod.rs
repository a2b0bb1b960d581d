//! Account recovery by e-mail (issue 13): an address per account, verification links, password
//! reset, and security notices. Every mail goes through the queue (`server::mail`), in the same
//! transaction as the change it reports, so a crash loses nothing and no request ever waits for
//! SMTP.
//!
//! The rules that make recovery safe, and where each is kept:
//! - Links carry a 256-bit token (`secret_token`), stored hashed, bound to a purpose and to the
//!   address it was sent to (`db::email_tokens`); only the newest of a purpose works, each works
//!   once, and each expires (`RecoveryPolicy`).
//! - Opening a link changes nothing: its page asks for a click, and only that POST consumes the
//!   token, so a mail scanner that fetches every link burns none (`links`).
//! - Nothing reveals whether an address is in use: sign-up and address changes answer the same
//!   and send the owner of an address already taken a notice instead of a link (`links`); a reset
//!   request is answered before anything is looked up, and resolved by the mail sender (`reset`).
//! - A reset ends every session and clears the login locks of the account (`reset`).

pub mod links;
pub mod notices;
pub mod reset;

use clap::Args;

/// The recovery settings (flattened into `Config`).
#[derive(Debug, Clone, Args)]
pub struct RecoveryConfig {
    /// Refuse sign-ups without an e-mail address.
    #[arg(
        long,
        env = "TOKENGATE_REQUIRE_EMAIL",
        value_name = "TOKENGATE_REQUIRE_EMAIL",
        default_value_t = false,
        action = clap::ArgAction::Set
    )]
    pub require_email: bool,

    /// How long an e-mail verification link works, in seconds (60 to 604800).
    #[arg(
        long,
        env = "TOKENGATE_EMAIL_VERIFY_TTL_SECS",
        value_name = "TOKENGATE_EMAIL_VERIFY_TTL_SECS",
        default_value_t = 86_400,
        value_parser = clap::value_parser!(i64).range(60..=604_800)
    )]
    pub email_verify_ttl_secs: i64,

    /// How long a password-reset link works, in seconds (60 to 86400).
    #[arg(
        long,
        env = "TOKENGATE_PASSWORD_RESET_TTL_SECS",
        value_name = "TOKENGATE_PASSWORD_RESET_TTL_SECS",
        default_value_t = 1_800,
        value_parser = clap::value_parser!(i64).range(60..=86_400)
    )]
    pub password_reset_ttl_secs: i64,

    /// Reset requests per address within the login window (counted for unknown addresses too).
    #[arg(
        long,
        env = "TOKENGATE_PASSWORD_RESET_MAX_PER_ADDRESS",
        value_name = "TOKENGATE_PASSWORD_RESET_MAX_PER_ADDRESS",
        default_value_t = 3,
        value_parser = clap::value_parser!(i64).range(1..)
    )]
    pub password_reset_max_per_address: i64,

    /// Reset requests per client address within the login window.
    #[arg(
        long,
        env = "TOKENGATE_PASSWORD_RESET_MAX_PER_IP",
        value_name = "TOKENGATE_PASSWORD_RESET_MAX_PER_IP",
        default_value_t = 10,
        value_parser = clap::value_parser!(i64).range(1..)
    )]
    pub password_reset_max_per_ip: i64,

    /// Verification mails (address changes, resends) per account within the login window.
    #[arg(
        long,
        env = "TOKENGATE_EMAIL_MAX_PER_ACCOUNT",
        value_name = "TOKENGATE_EMAIL_MAX_PER_ACCOUNT",
        default_value_t = 5,
        value_parser = clap::value_parser!(i64).range(1..)
    )]
    pub email_max_per_account: i64,
}

/// What recovery needs at run time (in `AppState`).
pub type RecoveryPolicy = RecoveryConfig;

/// Starts this instance's mail sender, which also resolves queued reset requests.
pub fn spawn_mail_sender(state: &super::AppState) {
    let resolver = reset::ResetResolver {
        public_url: state.public_url.clone(),
        ttl_secs: state.recovery.password_reset_ttl_secs,
    };
    state
        .mailer
        .spawn(state.db.clone(), std::sync::Arc::new(resolver));
}
