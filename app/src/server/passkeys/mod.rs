//! Passkeys (issue 15): WebAuthn credentials as a way in of their own (passwordless sign-in with
//! a discoverable credential) and as a second factor after the password.
//!
//! - Every ceremony is webauthn-rs's (the kanidm project's audited crate): attestation and
//!   assertion checks, origin and RP ID, user verification and the signature counter are all
//!   its checks, none is written here. The relying party is `TOKENGATE_PUBLIC_URL`: its host is
//!   the RP ID and its origin the only accepted origin. WebAuthn refuses IP addresses, so with an
//!   IP in the public URL passkeys are off (503 `passkeys_unavailable`).
//! - A ceremony's state lives in the database between start and finish (`ceremony`): any
//!   instance finishes what another started, each is single use and lives
//!   `CEREMONY_TTL_SECS`, and unauthenticated starts are bounded by
//!   `TOKENGATE_PASSKEY_MAX_OPEN_CEREMONIES`.
//! - `registration` adds passkeys (a live session and step-up) and creates passkey-only
//!   accounts; `assertion` checks a sign-in or second-factor answer and records refusals.

pub mod assertion;
pub mod ceremony;
pub mod management;
pub mod registration;
pub mod signup;

use std::sync::Arc;
use std::time::Duration;

use webauthn_rs::prelude::{Url, Webauthn, WebauthnBuilder};

use super::public_url::PublicUrl;
use crate::error::{ApiError, ErrorCode};

/// How long a started ceremony may take (also the timeout the browser is given).
pub const CEREMONY_TTL_SECS: i64 = 300;
/// Passkeys one account may have.
pub const MAX_PASSKEYS_PER_ACCOUNT: i64 = 10;
/// Longest passkey name, in characters (the form's limit too).
pub const MAX_NAME_CHARS: usize = crate::policy::PASSKEY_NAME_MAX_CHARS;
/// A passwordless account's step-up: its session must have started this recently.
pub const RECENT_SIGN_IN_SECS: i64 = 300;
/// The RFC 8176 `amr` of a passwordless sign-in: a key held by the user (`hwk`) that verified
/// the user itself (user verification is required), so it counts as multi-factor.
pub const AMR_PASSKEY: &str = "hwk mfa";
/// The password with a passkey as its second factor.
pub const AMR_PASSWORD_AND_PASSKEY: &str = "pwd hwk mfa";

/// The relying party, when the public URL allows one.
pub struct PasskeyPolicy {
    webauthn: Option<Arc<Webauthn>>,
    pub max_open_ceremonies: i64,
}

impl PasskeyPolicy {
    pub fn new(public_url: &PublicUrl, max_open_ceremonies: i64) -> Self {
        let webauthn = relying_party(public_url).map(Arc::new);
        if webauthn.is_none() {
            tracing::warn!(
                public_url = public_url.origin(),
                "passkeys are off: WebAuthn needs a domain name in TOKENGATE_PUBLIC_URL (e.g. localhost), not an IP address"
            );
        }
        Self {
            webauthn,
            max_open_ceremonies,
        }
    }

    /// The relying party, or 503 `passkeys_unavailable`.
    pub fn webauthn(&self) -> Result<&Webauthn, ApiError> {
        self.webauthn.as_deref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::PasskeysUnavailable,
                "Passkeys are not available on this server (its public URL is an IP address)",
            )
        })
    }
}

/// RP ID = the public URL's host; the origin is the only one accepted. `None` for an IP.
fn relying_party(public_url: &PublicUrl) -> Option<Webauthn> {
    let origin = Url::parse(public_url.origin()).ok()?;
    let rp_id = origin.domain()?.to_owned();
    let secs = u64::try_from(CEREMONY_TTL_SECS).unwrap_or(300);
    WebauthnBuilder::new(&rp_id, &origin)
        .ok()?
        .rp_name("Tokengate")
        .timeout(Duration::from_secs(secs))
        .build()
        .ok()
}

/// A passkey's name as given, trimmed; empty gets `fallback`. 400 `invalid_input` when too
/// long or with control characters.
pub fn clean_name(raw: &str, fallback: &str) -> Result<String, ApiError> {
    let name = raw.trim();
    if name.chars().any(char::is_control) {
        return Err(ApiError::invalid_input(
            "A passkey name cannot contain control characters",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid_input(format!(
            "A passkey name has at most {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(if name.is_empty() {
        fallback.to_owned()
    } else {
        name.to_owned()
    })
}

/// The answer to a credential the relying party refused (whatever the reason: the reason is
/// logged and recorded, not told).
pub fn invalid_passkey() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidPasskey,
        "That passkey was not accepted. Try again, or use another way to sign in.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rp_id_is_the_public_host_and_ip_addresses_turn_passkeys_off() {
        let local = PublicUrl::parse("http://localhost:3000").unwrap();
        assert!(PasskeyPolicy::new(&local, 10).webauthn().is_ok());
        let https = PublicUrl::parse("https://auth.example.com").unwrap();
        assert!(PasskeyPolicy::new(&https, 10).webauthn().is_ok());
        let ip = PublicUrl::parse("http://127.0.0.1:3000").unwrap();
        let err = PasskeyPolicy::new(&ip, 10).webauthn().unwrap_err();
        assert_eq!(err.error, ErrorCode::PasskeysUnavailable);
    }

    #[test]
    fn names_are_trimmed_bounded_and_defaulted() {
        assert_eq!(clean_name("  Laptop ", "Passkey").unwrap(), "Laptop");
        assert_eq!(clean_name("   ", "Passkey").unwrap(), "Passkey");
        assert!(clean_name("a\u{7}b", "Passkey").is_err());
        assert!(clean_name(&"x".repeat(MAX_NAME_CHARS + 1), "Passkey").is_err());
        assert!(clean_name(&"é".repeat(MAX_NAME_CHARS), "Passkey").is_ok());
    }
}
