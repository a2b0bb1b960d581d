//! Bearer secrets handed to a client once and stored only as a hash: refresh tokens, and the
//! links sent by mail (e-mail verification, password reset). 256 bits from the OS CSPRNG, so a
//! plain SHA-256 is enough to store them: nobody can guess one or brute-force its hash.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// A new token: 32 random bytes, base64url without padding (43 characters).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token: lower-case hex SHA-256.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// True when `raw` has the shape `generate` produces; anything else is refused before a lookup.
pub fn is_well_formed(raw: &str) -> bool {
    raw.len() == 43
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_well_formed_and_hash_to_hex() {
        let token = generate();
        assert!(is_well_formed(&token), "{token}");
        assert_ne!(generate(), token);
        let hashed = hash(&token);
        assert_eq!(hashed.len(), 64);
        assert_eq!(hashed, hash(&token));
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&format!("{}=", &token[..42])));
    }
}
