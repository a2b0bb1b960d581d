//! One outgoing mail and why it is sent. What goes on the wire is deliberately plain: a text part
//! and an HTML part saying the same, `Auto-Submitted: auto-generated` so that vacation
//! responders stay quiet (RFC 3834), and no tracking pixel, remote image or redirecting link.

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

use super::templates::Rendered;

/// Why a mail is sent; stored in `mail_outbox.purpose` as [`as_str`](Self::as_str).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailPurpose {
    VerifyEmail,
    PasswordReset,
    NoticeAddressInUse,
    NoticePasswordChanged,
    NoticePasswordReset,
    NoticeEmailChanged,
    NoticeAccountLocked,
    NoticeMfaEnabled,
    NoticeMfaDisabled,
    NoticeRecoveryCodeUsed,
    NoticePasskeyAdded,
    NoticePasskeyRemoved,
}

impl MailPurpose {
    pub const ALL: [Self; 12] = [
        Self::VerifyEmail,
        Self::PasswordReset,
        Self::NoticeAddressInUse,
        Self::NoticePasswordChanged,
        Self::NoticePasswordReset,
        Self::NoticeEmailChanged,
        Self::NoticeAccountLocked,
        Self::NoticeMfaEnabled,
        Self::NoticeMfaDisabled,
        Self::NoticeRecoveryCodeUsed,
        Self::NoticePasskeyAdded,
        Self::NoticePasskeyRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::PasswordReset => "password_reset",
            Self::NoticeAddressInUse => "notice_address_in_use",
            Self::NoticePasswordChanged => "notice_password_changed",
            Self::NoticePasswordReset => "notice_password_reset",
            Self::NoticeEmailChanged => "notice_email_changed",
            Self::NoticeAccountLocked => "notice_account_locked",
            Self::NoticeMfaEnabled => "notice_mfa_enabled",
            Self::NoticeMfaDisabled => "notice_mfa_disabled",
            Self::NoticeRecoveryCodeUsed => "notice_recovery_code_used",
            Self::NoticePasskeyAdded => "notice_passkey_added",
            Self::NoticePasskeyRemoved => "notice_passkey_removed",
        }
    }

    /// The purpose stored as `stored`, if it is one.
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == stored)
    }
}

/// A mail ready to queue: whom to, and the rendered words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub purpose: MailPurpose,
    pub to: Address,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl OutgoingMail {
    /// `rendered` (from `templates`) to `to`.
    pub fn new(purpose: MailPurpose, to: Address, rendered: Rendered) -> Self {
        Self {
            purpose,
            to,
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        }
    }

    /// The message on the wire, from `from`.
    pub fn to_message(&self, from: &Mailbox) -> Result<Message, lettre::error::Error> {
        Message::builder()
            .from(from.clone())
            .to(Mailbox::new(None, self.to.clone()))
            .subject(self.subject.as_str())
            .message_id(None)
            .header(AutoSubmitted)
            .multipart(MultiPart::alternative_plain_html(
                self.text.clone(),
                self.html.clone(),
            ))
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no auto-reply is owed to this mail.
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            purpose: MailPurpose::VerifyEmail,
            to: "alice@example.com".parse().unwrap(),
            subject: "Confirm your address".into(),
            text: "Plain words".into(),
            html: "<p>HTML words</p>".into(),
        }
    }

    #[test]
    fn every_purpose_parses_back_from_what_is_stored() {
        for purpose in MailPurpose::ALL {
            assert_eq!(MailPurpose::parse(purpose.as_str()), Some(purpose));
        }
        assert_eq!(MailPurpose::parse("password_reset_request"), None);
    }

    #[test]
    fn the_message_is_auto_submitted_plain_and_html_alternatives() {
        let from: Mailbox = "Tokengate <no-reply@localhost>".parse().unwrap();
        let raw = String::from_utf8(mail().to_message(&from).unwrap().formatted()).unwrap();

        assert!(
            raw.contains("From: Tokengate <no-reply@localhost>\r\n"),
            "{raw}"
        );
        assert!(raw.contains("To: alice@example.com\r\n"), "{raw}");
        assert!(raw.contains("Subject: Confirm your address\r\n"), "{raw}");
        assert!(raw.contains("Auto-Submitted: auto-generated\r\n"), "{raw}");
        assert!(raw.contains("Message-ID: <"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(
            raw.contains("Content-Type: text/html; charset=utf-8"),
            "{raw}"
        );
        assert!(raw.contains("Plain words") && raw.contains("<p>HTML words</p>"));
    }
}
