//! Mail settings, flattened into the server's `Config`. Like every setting they are environment
//! variables and flags, except the SMTP URL: it can carry the relay's password, so it is read
//! from the environment only (a flag's value is visible to every local user in `ps`) and held as
//! a secret that `Debug` never prints.

use lettre::message::Mailbox;
use secrecy::SecretString;

use crate::server::config::env_only;

#[derive(Debug, Clone, clap::Args)]
pub struct MailConfig {
    /// SMTP relay in lettre's URL syntax: `smtp://host:25` (plain), `smtp://host:587?tls=required`
    /// (STARTTLS), `smtps://user:pass@host` (TLS from the start). Default: none, mail is written
    /// to `<data dir>/outbox/` instead. Environment only: it may hold a password.
    #[arg(skip = env_only("TOKENGATE_SMTP_URL").map(SecretString::from))]
    pub smtp_url: Option<SecretString>,

    /// The `From` of every mail, `Name <address>` or a bare address.
    #[arg(
        long,
        env = "TOKENGATE_MAIL_FROM",
        value_name = "TOKENGATE_MAIL_FROM",
        default_value = "Tokengate <no-reply@localhost>",
        value_parser = parse_mailbox
    )]
    pub mail_from: Mailbox,

    /// Seconds between looks for due mail that another instance queued or that waits for a
    /// retry (mail queued here is sent at once).
    #[arg(long, env = "TOKENGATE_MAIL_POLL_SECS", value_name = "TOKENGATE_MAIL_POLL_SECS",
        default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub mail_poll_secs: u64,

    /// First retry delay after a failed delivery; each further failure doubles it.
    #[arg(long, env = "TOKENGATE_MAIL_RETRY_BASE_SECS", value_name = "TOKENGATE_MAIL_RETRY_BASE_SECS",
        default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub mail_retry_base_secs: u64,

    /// The longest retry delay.
    #[arg(long, env = "TOKENGATE_MAIL_RETRY_MAX_SECS", value_name = "TOKENGATE_MAIL_RETRY_MAX_SECS",
        default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub mail_retry_max_secs: u64,

    /// A mail still unsent this many seconds after it was queued is given up (default 3 days)
    /// and logged as an error.
    #[arg(long, env = "TOKENGATE_MAIL_GIVE_UP_SECS", value_name = "TOKENGATE_MAIL_GIVE_UP_SECS",
        default_value_t = 259_200, value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub mail_give_up_secs: u64,

    /// Sent and given-up mail is deleted from the queue this many seconds later (default 7 days).
    #[arg(long, env = "TOKENGATE_MAIL_SENT_RETENTION_SECS", value_name = "TOKENGATE_MAIL_SENT_RETENTION_SECS",
        default_value_t = 604_800, value_parser = clap::value_parser!(u64).range(0..=31_536_000))]
    pub mail_sent_retention_secs: u64,
}

/// A bad `From` stops start-up, instead of every mail failing later.
fn parse_mailbox(value: &str) -> Result<Mailbox, String> {
    value
        .parse()
        .map_err(|e| format!("not a mailbox (`Name <address>` or `address`): {e}"))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        mail: MailConfig,
    }

    #[test]
    fn defaults_poll_every_5_s_and_retry_from_10_s_to_15_min_for_3_days() {
        let mail = Cli::parse_from(["tokengate"]).mail;

        assert_eq!(mail.mail_from.to_string(), "Tokengate <no-reply@localhost>");
        assert_eq!(mail.mail_poll_secs, 5);
        assert_eq!(mail.mail_retry_base_secs, 10);
        assert_eq!(mail.mail_retry_max_secs, 900);
        assert_eq!(mail.mail_give_up_secs, 259_200);
        assert_eq!(mail.mail_sent_retention_secs, 604_800);
    }

    #[test]
    fn a_from_that_is_no_mailbox_is_refused_at_start_up() {
        let parsed = Cli::try_parse_from(["tokengate", "--mail-from", "not an address"]);

        assert!(parsed.is_err());
    }

    #[test]
    fn the_smtp_url_has_no_flag() {
        let parsed = Cli::try_parse_from(["tokengate", "--smtp-url", "smtp://localhost"]);

        assert!(parsed.is_err());
    }
}
