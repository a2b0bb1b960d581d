//! Secrets at rest: a value sealed under the key-encryption key (KEK) with XChaCha20-Poly1305,
//! stored as `enc:v1:<base64url(nonce || ciphertext)>` in the column that held the plaintext.
//!
//! The nonce is 24 random bytes from the OS CSPRNG for every seal: XChaCha's nonce is long
//! enough that random ones never repeat in practice, so no counter has to be kept across
//! instances. The associated data binds a sealed value to its row (the signing key's `kid`), so
//! rows cannot be swapped in the database without failing to open.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::OsRng;

/// Marks a sealed value; the version leaves room for another scheme without a migration.
pub const SEALED_PREFIX: &str = "enc:v1:";
/// Length of the key-encryption key in bytes (XChaCha20-Poly1305 takes 256-bit keys).
pub const KEK_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

/// The key-encryption key. Its bytes are zeroed when it is dropped (the cipher does that) and
/// never printed.
pub struct KeyEncryptionKey(XChaCha20Poly1305);

impl std::fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyEncryptionKey([REDACTED])")
    }
}

/// Why a sealed value did not open. Deliberately without detail: a wrong key and a tampered
/// value look the same to an AEAD, and that is the point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("not an `enc:v1:` value")]
    Malformed,
    #[error("wrong key, or the value was altered")]
    Unauthentic,
    #[error("encryption failed")]
    Seal,
}

impl KeyEncryptionKey {
    /// `None` unless `bytes` is exactly [`KEK_BYTES`] long.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        XChaCha20Poly1305::new_from_slice(bytes).ok().map(Self)
    }

    /// Seals `plaintext`, bound to `aad` (which is not stored: the caller supplies it again to
    /// open).
    pub fn seal(&self, plaintext: &str, aad: &str) -> Result<String, SealError> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: aad.as_bytes(),
        };
        let ciphertext = self
            .0
            .encrypt(&nonce, payload)
            .map_err(|_| SealError::Seal)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Ok(format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(sealed)))
    }

    /// Opens a value [`seal`](Self::seal)ed with this key and the same `aad`.
    pub fn open(&self, sealed: &str, aad: &str) -> Result<String, SealError> {
        let encoded = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or(SealError::Malformed)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| SealError::Malformed)?;
        let (nonce, ciphertext) = bytes
            .split_first_chunk::<NONCE_BYTES>()
            .ok_or(SealError::Malformed)?;
        let payload = Payload {
            msg: ciphertext,
            aad: aad.as_bytes(),
        };
        let plaintext = self
            .0
            .decrypt(&XNonce::from(*nonce), payload)
            .map_err(|_| SealError::Unauthentic)?;
        String::from_utf8(plaintext).map_err(|_| SealError::Malformed)
    }
}

/// True when a stored value is sealed (whatever the key).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_PREFIX)
}

/// Text at rest in other tables (queued mail, whose reset links are credentials): sealed under
/// the KEK when one is configured, so a copy of the database does not hand them out; plaintext
/// when none is.
impl super::Db {
    /// Seals `plaintext` bound to `aad` (the row's id) with the KEK; without one, returns it as it
    /// is.
    pub fn seal_text(&self, plaintext: &str, aad: &str) -> Result<String, SealError> {
        match self.kek.as_deref() {
            Some(kek) => kek.seal(plaintext, aad),
            None => Ok(plaintext.to_owned()),
        }
    }

    /// Opens what [`seal_text`](Self::seal_text) stored. A plaintext value passes through (it
    /// was stored before a KEK was configured); a sealed one without a KEK does not open.
    pub fn open_text(&self, stored: &str, aad: &str) -> Result<String, SealError> {
        if !is_sealed(stored) {
            return Ok(stored.to_owned());
        }
        self.kek
            .as_deref()
            .ok_or(SealError::Unauthentic)?
            .open(stored, aad)
    }

    /// The same database with `kek` as its key-encryption key (unit tests of sealed tables).
    #[cfg(test)]
    pub fn with_kek(mut self, kek: KeyEncryptionKey) -> Self {
        self.kek = Some(std::sync::Arc::new(kek));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KID: &str = "kid-1";
    const PEM: &str =
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI...\n-----END PRIVATE KEY-----\n";

    fn kek(byte: u8) -> KeyEncryptionKey {
        KeyEncryptionKey::from_bytes(&[byte; KEK_BYTES]).expect("32 bytes are a key")
    }

    #[test]
    fn a_sealed_value_opens_with_the_same_key_and_kid() {
        let sealed = kek(1).seal(PEM, KID).unwrap();

        assert_eq!(kek(1).open(&sealed, KID), Ok(PEM.to_owned()));
    }

    #[test]
    fn a_sealed_value_is_prefixed_and_hides_the_plaintext() {
        let sealed = kek(1).seal(PEM, KID).unwrap();

        assert!(sealed.starts_with("enc:v1:"), "{sealed}");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("PRIVATE KEY"), "{sealed}");
    }

    #[test]
    fn sealing_twice_uses_a_fresh_nonce() {
        assert_ne!(kek(1).seal(PEM, KID), kek(1).seal(PEM, KID));
    }

    #[test]
    fn another_key_does_not_open_it() {
        let sealed = kek(1).seal(PEM, KID).unwrap();

        assert_eq!(kek(2).open(&sealed, KID), Err(SealError::Unauthentic));
    }

    #[test]
    fn another_kid_does_not_open_it_so_rows_cannot_be_swapped() {
        let sealed = kek(1).seal(PEM, KID).unwrap();

        assert_eq!(kek(1).open(&sealed, "kid-2"), Err(SealError::Unauthentic));
    }

    #[test]
    fn a_tampered_ciphertext_does_not_open() {
        let sealed = kek(1).seal(PEM, KID).unwrap();
        let mut bytes = URL_SAFE_NO_PAD
            .decode(&sealed[SEALED_PREFIX.len()..])
            .unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));

        assert_eq!(kek(1).open(&tampered, KID), Err(SealError::Unauthentic));
    }

    #[test]
    fn plaintext_truncated_or_garbled_values_are_malformed_not_a_panic() {
        let k = kek(1);

        assert_eq!(k.open(PEM, KID), Err(SealError::Malformed));
        assert_eq!(k.open("enc:v1:", KID), Err(SealError::Malformed));
        assert_eq!(k.open("enc:v1:AAAA", KID), Err(SealError::Malformed));
        assert_eq!(k.open("enc:v1:not base64!", KID), Err(SealError::Malformed));
        let nonce_only = format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode([0u8; 24]));
        assert_eq!(k.open(&nonce_only, KID), Err(SealError::Unauthentic));
    }

    #[test]
    fn a_key_must_be_exactly_32_bytes() {
        assert!(KeyEncryptionKey::from_bytes(&[0; 31]).is_none());
        assert!(KeyEncryptionKey::from_bytes(&[0; 33]).is_none());
        assert!(KeyEncryptionKey::from_bytes(&[0; 32]).is_some());
    }

    #[test]
    fn debug_never_shows_the_key() {
        assert_eq!(format!("{:?}", kek(7)), "KeyEncryptionKey([REDACTED])");
    }
}
