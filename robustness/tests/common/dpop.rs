//! DPoP proofs (RFC 9449) made the way a hostile client makes them: an Ed25519 key of its own,
//! and any header and claims it likes, signed for real so that the server's checks after the
//! signature (`htm`, `htu`, `iat`, `ath`, replay) are reached too.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The media type of a proof's `typ`.
pub const PROOF_TYP: &str = "dpop+jwt";
/// Longest proof the server reads (`server::dpop::proof::MAX_PROOF_BYTES`).
pub const MAX_PROOF_BYTES: usize = 4096;

/// A client's proof key; the same seed is the same key.
pub struct ProofKey {
    key: SigningKey,
}

impl ProofKey {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The public JWK: what a proof's header carries.
    pub fn public_jwk(&self) -> Value {
        json!({ "kty": "OKP", "crv": "Ed25519", "x": self.x() })
    }

    /// The public JWK with the private key (`d`) in it, which a proof must never carry.
    pub fn private_jwk(&self) -> Value {
        let d = URL_SAFE_NO_PAD.encode(self.key.to_bytes());
        json!({ "kty": "OKP", "crv": "Ed25519", "x": self.x(), "d": d })
    }

    /// The header a well-behaved client sends.
    pub fn header(&self) -> Value {
        json!({ "typ": PROOF_TYP, "alg": "EdDSA", "jwk": self.public_jwk() })
    }

    /// A proof the server accepts for `method` `url` (with `ath` for `token`), if `jti` is new.
    pub fn proof(&self, method: &str, url: &str, token: Option<&str>, jti: &str) -> String {
        self.sign(&self.header(), &claims(method, url, token, jti, now_unix()))
    }

    /// `header` and `claims` as compact JWS, signed by this key whatever they say.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        self.sign_raw(header.to_string().as_bytes(), claims.to_string().as_bytes())
    }

    /// Like `sign`, over raw segments (which need not be JSON at all).
    pub fn sign_raw(&self, header: &[u8], claims: &[u8]) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let signature = self.key.sign(input.as_bytes()).to_bytes();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn x(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.verifying_key().as_bytes())
    }
}

/// The claims of a proof for `method` `url` at `iat` (with `ath` for `token`).
pub fn claims(method: &str, url: &str, token: Option<&str>, jti: &str, iat: i64) -> Value {
    let mut claims = json!({ "jti": jti, "htm": method, "htu": url, "iat": iat });
    if let Some(token) = token {
        claims["ath"] = json!(token_hash(token));
    }
    claims
}

/// `ath`: base64url SHA-256 of an access token.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decoded base64url (empty when it is not base64url).
pub fn base64url_decode(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap_or_default()
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
