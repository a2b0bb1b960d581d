//! Checking one DPoP proof (RFC 9449 §4.3), in the RFC's order, before anything else is done
//! with the request: `typ`, an allowed asymmetric `alg`, a public `jwk` that fits it, the
//! signature (jsonwebtoken's), `htm` and `htu` against the request as the public URL sees it,
//! `iat` within the window, and `ath` when an access token comes with it. The `jti` replay check
//! and the thumbprint comparison with the token's `cnf.jkt` are the caller's (`super`).
//!
//! A protected request's EdDSA proof (`verify_batched`) has its signature checked by the
//! access tokens' [`SignatureBatcher`] instead of on the request's task: a fresh proof on every
//! request is the whole cost of a bound token once its access token is cached, and a batch
//! halves it. jsonwebtoken still checks everything else; the signature is checked before any
//! answer. Ed25519 keys of small order are refused on both paths (`is_weak`): with one, a
//! "signature" can verify without any private key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::server::tokens::SignatureBatcher;

/// The media type every proof carries in `typ`.
pub const PROOF_TYP: &str = "dpop+jwt";
/// The signature algorithms a proof may use (advertised in `WWW-Authenticate`).
pub const ALGORITHMS: [Algorithm; 2] = [Algorithm::EdDSA, Algorithm::ES256];
/// A proof older than this is stale.
pub const MAX_AGE_SECS: i64 = 60;
/// Clock skew allowed for a proof from the future.
pub const MAX_FUTURE_SECS: i64 = 5;
/// Longest proof accepted (a proof is a few hundred bytes).
pub const MAX_PROOF_BYTES: usize = 4096;
/// Longest `jti` accepted.
const MAX_JTI_BYTES: usize = 256;

/// What a verified proof establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedProof {
    /// RFC 7638 SHA-256 thumbprint of the proof's key, base64url: the `cnf.jkt` it binds to.
    pub jkt: String,
    pub jti: String,
    pub iat: i64,
}

/// Why a proof was refused (logged; the client only hears `invalid_dpop_proof`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("not a JWS")]
    Malformed,
    #[error("typ is not dpop+jwt")]
    Typ,
    #[error("alg is not an allowed asymmetric algorithm")]
    Alg,
    #[error("no public jwk that fits alg")]
    Jwk,
    #[error("the jwk carries private key material")]
    PrivateKey,
    #[error("bad signature or claims")]
    Signature,
    #[error("htm does not match the request method")]
    Htm,
    #[error("htu does not match the request URL")]
    Htu,
    #[error("iat outside the accepted window")]
    Iat,
    #[error("ath missing or not the hash of the access token")]
    Ath,
    #[error("jti missing or too long")]
    Jti,
}

#[derive(Deserialize)]
struct ProofClaims {
    jti: Option<String>,
    htm: Option<String>,
    htu: Option<String>,
    iat: Option<i64>,
    ath: Option<String>,
}

/// The request a proof must be for.
pub struct Target<'a> {
    pub method: &'a str,
    /// The public URL of the request, without query or fragment.
    pub url: &'a str,
    /// The access token presented with the proof, if any (then `ath` must be its hash).
    pub access_token: Option<&'a str>,
}

/// Verifies `proof` for `target` at `now`, its signature on this task.
pub fn verify(proof: &str, target: &Target<'_>, now: i64) -> Result<VerifiedProof, ProofError> {
    checked(proof, target, now, Signature::Here).map(|(verified, _)| verified)
}

/// Same answer as [`verify`]; an EdDSA proof's signature is checked by `batcher`.
pub async fn verify_batched(
    proof: &str,
    target: &Target<'_>,
    now: i64,
    batcher: &SignatureBatcher,
) -> Result<VerifiedProof, ProofError> {
    let (verified, pending) = checked(proof, target, now, Signature::Batched)?;
    if let Some(pending) = pending {
        if !batcher
            .verify(pending.message.as_bytes(), pending.signature, pending.key)
            .await
        {
            return Err(ProofError::Signature);
        }
    }
    Ok(verified)
}

/// Where a proof's signature is checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Signature {
    Here,
    /// By the caller when the proof is EdDSA (it gets a [`Pending`]); ES256 is checked here.
    Batched,
}

/// An EdDSA signature still to be checked.
struct Pending<'a> {
    message: &'a str,
    signature: ed25519_dalek::Signature,
    key: ed25519_dalek::VerifyingKey,
}

/// Every rule of the proof; the signature as `signature` says. A returned [`Pending`] must be
/// checked before the proof is accepted.
fn checked<'p>(
    proof: &'p str,
    target: &Target<'_>,
    now: i64,
    signature: Signature,
) -> Result<(VerifiedProof, Option<Pending<'p>>), ProofError> {
    if proof.len() > MAX_PROOF_BYTES {
        return Err(ProofError::Malformed);
    }
    let header = jsonwebtoken::decode_header(proof).map_err(|_| ProofError::Malformed)?;
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
    if has_private_members(proof)? {
        return Err(ProofError::PrivateKey);
    }
    let ed25519 = ed25519_key(jwk)?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| ProofError::Jwk)?;
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let pending = match (signature, ed25519) {
        (Signature::Batched, Some(key)) => {
            let (message, signature) =
                crate::server::tokens::ed25519_signed_parts(proof).ok_or(ProofError::Signature)?;
            // Deprecated in favour of `dangerous::insecure_decode`, which would also skip the
            // claim parsing; the signature is checked by the caller before the proof is used.
            #[allow(deprecated)]
            validation.insecure_disable_signature_validation();
            Some(Pending {
                message,
                signature,
                key,
            })
        }
        _ => None,
    };
    let claims = jsonwebtoken::decode::<ProofClaims>(proof, &key, &validation)
        .map_err(|_| ProofError::Signature)?
        .claims;
    if claims.htm.as_deref() != Some(target.method) {
        return Err(ProofError::Htm);
    }
    let htu = claims.htu.as_deref().ok_or(ProofError::Htu)?;
    if without_query(htu) != target.url {
        return Err(ProofError::Htu);
    }
    let iat = claims.iat.ok_or(ProofError::Iat)?;
    if iat < now - MAX_AGE_SECS || iat > now + MAX_FUTURE_SECS {
        return Err(ProofError::Iat);
    }
    match (target.access_token, claims.ath.as_deref()) {
        (Some(token), Some(ath)) if ath == token_hash(token) => {}
        (None, None) => {}
        _ => return Err(ProofError::Ath),
    }
    let jti = claims
        .jti
        .filter(|j| !j.is_empty() && j.len() <= MAX_JTI_BYTES);
    let jti = jti.ok_or(ProofError::Jti)?;
    let verified = VerifiedProof {
        jkt: thumbprint(jwk),
        jti,
        iat,
    };
    Ok((verified, pending))
}

/// The Ed25519 public key of an OKP `jwk` (`None` for an EC key); small-order keys refused.
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

/// RFC 7638 thumbprint (SHA-256, base64url) of a key that passed `fits`.
pub fn thumbprint(jwk: &Jwk) -> String {
    jwk.thumbprint(ThumbprintHash::SHA256)
}

/// `ath`: base64url SHA-256 of the access token.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
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
fn has_private_members(proof: &str) -> Result<bool, ProofError> {
    let encoded = proof.split('.').next().ok_or(ProofError::Malformed)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| ProofError::Malformed)?;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| ProofError::Malformed)?;
    let jwk = header
        .get("jwk")
        .and_then(|j| j.as_object())
        .ok_or(ProofError::Jwk)?;
    Ok(["d", "p", "q", "dp", "dq", "qi", "oth", "k"]
        .iter()
        .any(|member| jwk.contains_key(*member)))
}

fn without_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

#[cfg(test)]
#[path = "proof_tests.rs"]
mod tests;
