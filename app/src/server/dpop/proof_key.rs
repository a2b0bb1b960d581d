//! A DPoP proof's protected header, checked and turned into the key that signed it: `typ`, an
//! allowed `alg`, a public `jwk` that fits it (no private members, no Ed25519 key of small
//! order), and the key's RFC 7638 thumbprint.
//!
//! A client signs every proof with one key, so every proof it sends starts with the same header
//! segment. [`ProofKeys`] keeps what that segment gave, by the segment itself and bounded by
//! entry count, so a bound token's request does none of this again: no base64 or JSON of the
//! header, no point decompression, no thumbprint. Only a header that passed is kept; the
//! signature and the claims of every proof are still checked on every request.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Header};
use quick_cache::sync::Cache;

use super::proof::{ProofError, ALGORITHMS, PROOF_TYP};

/// Headers kept (one per client key in use on this instance within a while).
pub const CAPACITY: usize = 1024;
/// Longer header segments are checked every time, never kept (an honest Ed25519 or P-256
/// header is under 300 bytes).
pub const MAX_KEPT_SEGMENT: usize = 512;

/// What a proof's header establishes: how to check its signature, and whose key it is.
pub struct ProofKey {
    pub alg: Algorithm,
    /// For jsonwebtoken's check (ES256, and EdDSA on the token requests' path).
    pub decoding: DecodingKey,
    /// The same key decompressed, for the signature batches (`None` for P-256).
    pub ed25519: Option<ed25519_dalek::VerifyingKey>,
    /// RFC 7638 SHA-256 thumbprint, base64url: the `cnf.jkt` it binds to.
    pub jkt: String,
}

/// The header segment (base64url, before the first `.`) of a proof, checked.
pub fn parse(segment: &str) -> Result<ProofKey, ProofError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| ProofError::Malformed)?;
    let header: Header = serde_json::from_slice(&bytes).map_err(|_| ProofError::Malformed)?;
    if header.typ.as_deref() != Some(PROOF_TYP) {
        return Err(ProofError::Typ);
    }
    if !ALGORITHMS.contains(&header.alg) {
        return Err(ProofError::Alg);
    }
    let jwk = header.jwk.as_ref().ok_or(ProofError::Jwk)?;
    if !fits(jwk, header.alg) {
        return Err(ProofError::Jwk);
    }
    if has_private_members(&bytes)? {
        return Err(ProofError::PrivateKey);
    }
    let ed25519 = ed25519_key(jwk)?;
    let decoding = DecodingKey::from_jwk(jwk).map_err(|_| ProofError::Jwk)?;
    Ok(ProofKey {
        alg: header.alg,
        decoding,
        ed25519,
        jkt: thumbprint(jwk),
    })
}

/// Checked headers by their segment.
pub struct ProofKeys {
    checked: Cache<String, Arc<ProofKey>>,
}

impl ProofKeys {
    pub fn new(capacity: usize) -> Self {
        Self {
            checked: Cache::new(capacity.max(1)),
        }
    }

    /// [`parse`], once per segment while it stays in the cache.
    pub fn get(&self, segment: &str) -> Result<Arc<ProofKey>, ProofError> {
        if let Some(key) = self.checked.get(segment) {
            return Ok(key);
        }
        let key = Arc::new(parse(segment)?);
        if segment.len() <= MAX_KEPT_SEGMENT {
            self.checked.insert(segment.to_owned(), Arc::clone(&key));
        }
        Ok(key)
    }
}

impl Default for ProofKeys {
    fn default() -> Self {
        Self::new(CAPACITY)
    }
}

/// RFC 7638 thumbprint (SHA-256, base64url) of a key that passed `fits`.
pub fn thumbprint(jwk: &Jwk) -> String {
    jwk.thumbprint(ThumbprintHash::SHA256)
}

/// EdDSA takes an OKP Ed25519 key, ES256 an EC P-256 key; nothing else (no symmetric keys).
fn fits(jwk: &Jwk, alg: Algorithm) -> bool {
    match (&jwk.algorithm, alg) {
        (AlgorithmParameters::OctetKeyPair(p), Algorithm::EdDSA) => {
            p.curve == EllipticCurve::Ed25519
        }
        (AlgorithmParameters::EllipticCurve(p), Algorithm::ES256) => p.curve == EllipticCurve::P256,
        _ => false,
    }
}

/// True when the header's `jwk` has a private member (`d`, or RSA's primes): a proof must carry
/// the public key only. Read from the raw header, which jsonwebtoken's `Jwk` would drop silently.
fn has_private_members(header: &[u8]) -> Result<bool, ProofError> {
    #[derive(serde::Deserialize)]
    struct Members {
        jwk: Option<serde_json::Map<String, serde_json::Value>>,
    }
    let members: Members = serde_json::from_slice(header).map_err(|_| ProofError::Malformed)?;
    let jwk = members.jwk.ok_or(ProofError::Jwk)?;
    Ok(["d", "p", "q", "dp", "dq", "qi", "oth", "k"]
        .iter()
        .any(|member| jwk.contains_key(*member)))
}

/// The Ed25519 public key of an OKP `jwk` (`None` for an EC key); small-order keys refused:
/// with one, a "signature" can verify without any private key.
fn ed25519_key(jwk: &Jwk) -> Result<Option<ed25519_dalek::VerifyingKey>, ProofError> {
    let AlgorithmParameters::OctetKeyPair(params) = &jwk.algorithm else {
        return Ok(None);
    };
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&params.x)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(ProofError::Jwk)?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| ProofError::Jwk)?;
    if key.is_weak() {
        return Err(ProofError::Jwk);
    }
    Ok(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn segment(header: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(header.to_string())
    }

    fn ed25519_header() -> serde_json::Value {
        let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
        json!({ "typ": "dpop+jwt", "alg": "EdDSA", "jwk": { "kty": "OKP", "crv": "Ed25519", "x": x } })
    }

    #[test]
    fn a_checked_header_is_kept_and_given_again() {
        let keys = ProofKeys::new(8);
        let header = segment(&ed25519_header());
        let first = keys.get(&header).unwrap();
        let again = keys.get(&header).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(keys.checked.len(), 1);
        assert!(first.ed25519.is_some());
    }

    #[test]
    fn a_refused_or_oversized_header_is_never_kept() {
        let keys = ProofKeys::new(8);
        let mut refused = ed25519_header();
        refused["typ"] = json!("JWT");
        assert_eq!(keys.get(&segment(&refused)).err(), Some(ProofError::Typ));
        let mut padded = ed25519_header();
        padded["pad"] = json!("p".repeat(MAX_KEPT_SEGMENT));
        assert!(keys.get(&segment(&padded)).is_ok());
        assert_eq!(keys.checked.len(), 0);
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let keys = ProofKeys::new(4);
        for _ in 0..50 {
            keys.get(&segment(&ed25519_header())).unwrap();
        }
        assert!(keys.checked.len() <= 4, "{}", keys.checked.len());
    }
}
