//! Where mail goes: an SMTP relay when `TOKENGATE_SMTP_URL` is set, otherwise `.eml` files in
//! `<data dir>/outbox/` (development, or a host that hands files to its own MTA). The outbox
//! holds live links, so its directory is private to the server's user, like the data directory.
//! A mail is written into `<data dir>/outbox.partial/` and renamed into the outbox once whole,
//! so whatever reads the outbox never sees half a message.
//!
//! The SMTP URL can carry a password: it is parsed by lettre alone, and neither it nor anything
//! taken from it appears in a log line or an error message here.

use std::path::{Path, PathBuf};

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor,
};
use secrecy::ExposeSecret as _;

use super::config::MailConfig;
use crate::server::db::files::create_private_dir;

/// The longest a single SMTP command may wait for the relay; the whole delivery has its own,
/// longer bound in the sender.
const SMTP_COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Says which setting, never its value.
    #[error("TOKENGATE_SMTP_URL is not a usable SMTP URL: {0}")]
    SmtpUrl(#[source] lettre::transport::smtp::Error),
    #[error("cannot create the mail outbox directory {path}: {source}")]
    OutboxDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("SMTP delivery failed: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("cannot write to the mail outbox: {0}")]
    Outbox(#[from] lettre::transport::file::Error),
    #[error("cannot move a written mail into the outbox: {0}")]
    OutboxMove(std::io::Error),
    #[error("the delivery took too long")]
    Timeout,
}

/// Where a mail went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// Accepted by the SMTP relay.
    Smtp,
    /// Written to this file.
    File(PathBuf),
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(Outbox),
}

/// lettre's file transport writing into `partial`, then a rename into `dir`.
pub struct Outbox {
    files: AsyncFileTransport<Tokio1Executor>,
    partial: PathBuf,
    pub dir: PathBuf,
}

/// Names the kind and the outbox directory; an SMTP transport's settings stay unprinted.
impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp(_) => f.write_str("Transport::Smtp"),
            Self::Outbox(outbox) => write!(f, "Transport::Outbox({})", outbox.dir.display()),
        }
    }
}

impl Transport {
    /// SMTP with a URL, else the outbox under `data_dir`.
    pub fn from_config(config: &MailConfig, data_dir: &Path) -> Result<Self, MailError> {
        match &config.smtp_url {
            Some(url) => Self::smtp(url.expose_secret()),
            None => Self::outbox(&data_dir.join("outbox")),
        }
    }

    /// A relay at `url` (lettre's syntax). Connections are opened per mail, so a relay that was
    /// down is simply reached again on the next attempt.
    pub fn smtp(url: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(MailError::SmtpUrl)?
            .timeout(Some(SMTP_COMMAND_TIMEOUT))
            .build();
        Ok(Self::Smtp(transport))
    }

    /// `.eml` files in `dir`, written whole through `<dir>.partial` beside it; both are created
    /// private (0700) when missing.
    pub fn outbox(dir: &Path) -> Result<Self, MailError> {
        let mut partial = dir.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        for path in [dir, &partial] {
            create_private_dir(path).map_err(|source| MailError::OutboxDir {
                path: path.display().to_string(),
                source,
            })?;
        }
        crate::server::db::files::warn_if_shared(dir, "the mail outbox", "700");
        Ok(Self::Outbox(Outbox {
            files: AsyncFileTransport::new(&partial),
            partial,
            dir: dir.to_owned(),
        }))
    }

    pub async fn send(&self, message: Message) -> Result<Delivered, MailError> {
        match self {
            Self::Smtp(smtp) => {
                smtp.send(message).await?;
                Ok(Delivered::Smtp)
            }
            Self::Outbox(outbox) => {
                let name = format!("{}.eml", outbox.files.send(message).await?);
                let whole = outbox.dir.join(&name);
                tokio::fs::rename(outbox.partial.join(&name), &whole)
                    .await
                    .map_err(MailError::OutboxMove)?;
                Ok(Delivered::File(whole))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_smtp_url_with_an_unknown_scheme_is_refused_without_echoing_it() {
        let err = Transport::smtp("ftp://user:hunter2@mail.example.com").unwrap_err();

        assert!(matches!(err, MailError::SmtpUrl(_)));
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(err.to_string().starts_with("TOKENGATE_SMTP_URL"), "{err}");
    }

    #[test]
    fn debug_never_shows_the_smtp_settings() {
        let transport = Transport::smtp("smtp://user:hunter2@127.0.0.1:2525").unwrap();

        assert_eq!(format!("{transport:?}"), "Transport::Smtp");
    }

    #[cfg(unix)]
    #[test]
    fn the_outbox_directory_is_created_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = std::env::temp_dir().join(format!("tokengate-outbox-{}", uuid::Uuid::new_v4()));

        Transport::outbox(&dir.join("outbox")).unwrap();

        let mode = std::fs::metadata(dir.join("outbox"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_mail_reaches_the_outbox_whole_and_leaves_nothing_behind() {
        let dir = std::env::temp_dir().join(format!("tokengate-outbox-{}", uuid::Uuid::new_v4()));
        let transport = Transport::outbox(&dir.join("outbox")).unwrap();
        let message = Message::builder()
            .from("Tokengate <no-reply@tokengate.test>".parse().unwrap())
            .to("someone@example.com".parse().unwrap())
            .subject("Hello")
            .body("the whole body".to_owned())
            .unwrap();

        let Delivered::File(path) = transport.send(message).await.unwrap() else {
            panic!("an outbox delivers to a file");
        };

        assert_eq!(path.parent(), Some(dir.join("outbox").as_path()));
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("the whole body"));
        let left = std::fs::read_dir(dir.join("outbox.partial"))
            .unwrap()
            .count();
        assert_eq!(left, 0, "the partial directory keeps nothing");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
