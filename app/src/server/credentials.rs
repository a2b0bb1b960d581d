//! Credential newtypes that parse once at the boundary: past `parse`, a `Username` or a
//! `Password` is always valid, and a password never shows up in `Debug` output or logs.

use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;

use crate::error::ApiError;

pub use crate::policy::{
    PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, USERNAME_MAX_CHARS, USERNAME_MIN_CHARS,
};

/// A username as the user typed it (trimmed, NFKC-normalised) plus its case-insensitive key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username {
    display: String,
    key: String,
}

impl Username {
    /// Trims, NFKC-normalises and checks length and alphabet. Only ASCII letters, digits, `.`,
    /// `_` and `-` survive normalisation, which rules out look-alike (confusable) names.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let display: String = raw.trim().nfkc().collect();
        let len = display.chars().count();
        if !(USERNAME_MIN_CHARS..=USERNAME_MAX_CHARS).contains(&len) {
            return Err(ApiError::invalid_input(format!(
                "Username must be {USERNAME_MIN_CHARS} to {USERNAME_MAX_CHARS} characters"
            )));
        }
        if !display
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(ApiError::invalid_input(
                "Username may contain only letters a-z, digits, '.', '_' and '-'",
            ));
        }
        let key = display.to_ascii_lowercase();
        Ok(Self { display, key })
    }

    /// The name as shown to people.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The case-insensitive key that is unique in the database.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// The 10,000 most common passwords (see `app/data/README.md`).
const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

/// True when `raw` (compared case-insensitively) is on the common-password list. A linear scan
/// of 10,000 short lines takes microseconds, next to milliseconds of Argon2.
pub fn is_common_password(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    COMMON_PASSWORDS.lines().any(|line| line == lower)
}

/// A password that meets the policy. Its `Debug` output is redacted by `SecretString`.
#[derive(Debug, Clone)]
pub struct Password(SecretString);

impl Password {
    /// Length 8 to 256 characters, no composition rules, never truncated, not the username.
    pub fn parse(raw: String, username: &Username) -> Result<Self, ApiError> {
        let len = raw.chars().count();
        if len < PASSWORD_MIN_CHARS {
            return Err(ApiError::weak_password(format!(
                "Password must be at least {PASSWORD_MIN_CHARS} characters"
            )));
        }
        if len > PASSWORD_MAX_CHARS {
            return Err(ApiError::weak_password(format!(
                "Password must be at most {PASSWORD_MAX_CHARS} characters"
            )));
        }
        if is_common_password(&raw) {
            return Err(ApiError::weak_password(
                "This password is one of the most common ones; choose another",
            ));
        }
        if raw.trim().to_lowercase() == username.key() {
            return Err(ApiError::weak_password(
                "Password must not be the same as the username",
            ));
        }
        Ok(Self(SecretString::from(raw)))
    }

    /// A password offered at login: only the upper bound is checked, so that a policy change
    /// never locks out an existing account, and huge inputs never reach the hasher.
    pub fn for_login(raw: String) -> Result<Self, ApiError> {
        if raw.is_empty() || raw.chars().count() > PASSWORD_MAX_CHARS {
            return Err(ApiError::invalid_credentials());
        }
        Ok(Self(SecretString::from(raw)))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn username_is_trimmed_and_keyed_case_insensitively() {
        let name = Username::parse("  Alice_01 ").unwrap();
        assert_eq!(name.as_str(), "Alice_01");
        assert_eq!(name.key(), "alice_01");
    }

    #[test]
    fn username_is_nfkc_normalised() {
        // Fullwidth letters normalise to ASCII.
        let name = Username::parse("\u{FF41}\u{FF42}\u{FF43}").unwrap();
        assert_eq!(name.as_str(), "abc");
    }

    #[test]
    fn username_length_bounds_are_enforced() {
        assert_eq!(
            Username::parse("ab").unwrap_err().error,
            ErrorCode::InvalidInput
        );
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert_eq!(
            Username::parse(&"a".repeat(33)).unwrap_err().error,
            ErrorCode::InvalidInput
        );
    }

    #[test]
    fn username_rejects_confusables_markup_and_sql() {
        for raw in [
            "\u{0430}dmin",
            "<script>",
            "bob'; --",
            "a b c",
            "admin\u{200B}",
        ] {
            let err = Username::parse(raw).unwrap_err();
            assert_eq!(err.error, ErrorCode::InvalidInput, "{raw:?}");
        }
    }

    #[test]
    fn password_length_bounds_are_enforced() {
        let user = Username::parse("alice").unwrap();
        let short = Password::parse("1234567".into(), &user).unwrap_err();
        assert_eq!(short.error, ErrorCode::WeakPassword);
        assert!(Password::parse("vq3#tz8!".into(), &user).is_ok());
        assert!(Password::parse("é".repeat(256), &user).is_ok());
        let long = Password::parse("x".repeat(257), &user).unwrap_err();
        assert_eq!(long.error, ErrorCode::WeakPassword);
    }

    #[test]
    fn common_passwords_are_refused_case_insensitively() {
        let user = Username::parse("alice").unwrap();
        for common in [
            "password",
            "12345678",
            "Iloveyou1",
            "QWERTYUIOP",
            "baseball",
        ] {
            let err = Password::parse(common.into(), &user).unwrap_err();
            assert_eq!(err.error, ErrorCode::WeakPassword, "{common}");
        }
        assert!(Password::parse("correct horse battery staple".into(), &user).is_ok());
    }

    #[test]
    fn password_equal_to_username_is_refused() {
        let user = Username::parse("CorrectHorse").unwrap();
        let err = Password::parse("correcthorse".into(), &user).unwrap_err();
        assert_eq!(err.error, ErrorCode::WeakPassword);
    }

    #[test]
    fn password_debug_output_is_redacted() {
        let user = Username::parse("alice").unwrap();
        let pw = Password::parse("hunter2hunter2".into(), &user).unwrap();
        assert!(!format!("{pw:?}").contains("hunter2"));
    }
}
