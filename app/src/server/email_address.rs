//! An e-mail address, parsed once at the boundary like `Username`: trimmed, NFC-normalised,
//! checked by lettre's address parser (the same one that will have to accept it to send mail),
//! with the domain lower-cased for display and the whole address lower-cased as the key that
//! carries uniqueness. Local parts are case-sensitive in theory and never in practice; treating
//! `Alice@x` and `alice@x` as one address is what stops two accounts claiming one mailbox.

use std::str::FromStr;

use unicode_normalization::UnicodeNormalization;

use crate::error::ApiError;
use crate::policy::EMAIL_MAX_CHARS;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    display: String,
    key: String,
}

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let trimmed: String = raw.trim().nfc().collect();
        if trimmed.is_empty() || trimmed.chars().count() > EMAIL_MAX_CHARS {
            return Err(invalid());
        }
        let Some((local, domain)) = trimmed.rsplit_once('@') else {
            return Err(invalid());
        };
        // A dot is required in the domain: `user@localhost` is valid SMTP but never a mailbox a
        // person reads, and accepting it invites typos (`alice@gmailcom`).
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(invalid());
        }
        let display = format!("{local}@{}", domain.to_lowercase());
        if lettre::Address::from_str(&display).is_err() {
            return Err(invalid());
        }
        let key = display.to_lowercase();
        Ok(Self { display, key })
    }

    /// The address as shown and mailed to.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The case-insensitive key that is unique among verified addresses.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// True when `raw` looks like an address rather than a username (usernames have no `@`).
    pub fn looks_like(raw: &str) -> bool {
        raw.contains('@')
    }
}

fn invalid() -> ApiError {
    ApiError::invalid_input("Enter a valid e-mail address, like name@example.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_the_domain_and_keys_the_whole_address() {
        let a = EmailAddress::parse("  Alice.Smith@Example.COM ").unwrap();
        assert_eq!(a.as_str(), "Alice.Smith@example.com");
        assert_eq!(a.key(), "alice.smith@example.com");
    }

    #[test]
    fn refuses_what_is_not_a_mailbox() {
        for raw in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "alice@localhost",
            "alice@example.",
            "a b@example.com",
            "alice@exa mple.com",
            "alice@@example.com",
            "<alice@example.com>",
            "alice@example.com\r\nBcc: x@y.z",
        ] {
            assert!(EmailAddress::parse(raw).is_err(), "{raw:?} was accepted");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(EmailAddress::parse(&long).is_err());
    }

    #[test]
    fn compatibility_forms_are_normalised() {
        // "é" as e + combining acute and as one code point are one address.
        let composed = EmailAddress::parse("jos\u{e9}@example.com").unwrap();
        let decomposed = EmailAddress::parse("jose\u{301}@example.com").unwrap();
        assert_eq!(composed.key(), decomposed.key());
    }
}
