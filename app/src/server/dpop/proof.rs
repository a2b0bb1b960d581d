//! Checking one DPoP proof (RFC 9449 §4.3), in the RFC's order, before anything else is done
//! with the request: the header (`typ`, an allowed asymmetric `alg`, a public `jwk` that fits
//! it: `proof_key`), the signature, `htm` and `htu` against the request as the public URL sees
//! it, `iat` within the window, and `ath` when an access token comes with it. The `jti` replay
//! check and the thumbprint comparison with the token's `cnf.jkt` are the caller's (`super`).
//!
//! A protected request's proof (`verify_batched`) takes its checked header from the cache of
//! client keys (`ProofKeys`: one client key signs every proof, so the header repeats), and an
//! EdDSA proof has its signature checked by the access tokens' [`SignatureBatcher`] instead of
//! on the request's task: a fresh proof on every request is the whole cost of a bound token once
//! its access token is cached, and a batch halves it. The signature is checked before any
//! answer. Token requests (`verify`) check everything on their task, the signature with
//! jsonwebtoken's. Ed25519 keys of small order are refused on both paths (`is_weak`): with one,
//! a "signature" can verify without any private key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::proof_key::{self, ProofKeys};
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
    checked(proof, target, now, Mode::Here).map(|(verified, _)| verified)
}

/// Same answer as [`verify`]; the header comes from `keys`, and an EdDSA proof's signature is
/// checked by `batcher`.
pub async fn verify_batched(
    proof: &str,
    target: &Target<'_>,
    now: i64,
    keys: &ProofKeys,
    batcher: &SignatureBatcher,
) -> Result<VerifiedProof, ProofError> {
    let (verified, pending) = checked(proof, target, now, Mode::Batched(keys))?;
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

/// Where a proof's header is checked and its signature too.
#[derive(Clone, Copy)]
enum Mode<'k> {
    /// Both on this task.
    Here,
    /// The header through the cache; an EdDSA signature by the caller (it gets a [`Pending`]),
    /// ES256 here.
    Batched(&'k ProofKeys),
}

/// An EdDSA signature still to be checked.
struct Pending<'a> {
    message: &'a str,
    signature: ed25519_dalek::Signature,
    key: ed25519_dalek::VerifyingKey,
}

/// Every rule of the proof; the signature as `mode` says. A returned [`Pending`] must be
/// checked before the proof is accepted.
fn checked<'p>(
    proof: &'p str,
    target: &Target<'_>,
    now: i64,
    mode: Mode<'_>,
) -> Result<(VerifiedProof, Option<Pending<'p>>), ProofError> {
    if proof.len() > MAX_PROOF_BYTES {
        return Err(ProofError::Malformed);
    }
    let (segment, _) = proof.split_once('.').ok_or(ProofError::Malformed)?;
    let key = match mode {
        Mode::Here => Arc::new(proof_key::parse(segment)?),
        Mode::Batched(keys) => keys.get(segment)?,
    };
    let (claims, pending) = match (mode, key.ed25519) {
        (Mode::Batched(_), Some(ed25519)) => {
            let (message, signature) =
                crate::server::tokens::ed25519_signed_parts(proof).ok_or(ProofError::Signature)?;
            // Read before the signature is checked, which the caller does before the proof is
            // used; any fault in them is `Signature`, as jsonwebtoken's decode reports it.
            let claims = unverified_claims(message).ok_or(ProofError::Signature)?;
            let pending = Pending {
                message,
                signature,
                key: ed25519,
            };
            (claims, Some(pending))
        }
        _ => {
            let mut validation = Validation::new(key.alg);
            validation.required_spec_claims.clear();
            validation.validate_exp = false;
            validation.validate_nbf = false;
            validation.validate_aud = false;
            let claims = jsonwebtoken::decode::<ProofClaims>(proof, &key.decoding, &validation)
                .map_err(|_| ProofError::Signature)?
                .claims;
            (claims, None)
        }
    };
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
        jkt: key.jkt.clone(),
        jti,
        iat,
    };
    Ok((verified, pending))
}

/// The claims of a signing input `header.payload`, its signature not checked.
fn unverified_claims(message: &str) -> Option<ProofClaims> {
    let (_, payload) = message.split_once('.')?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `ath`: base64url SHA-256 of the access token.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

fn without_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

#[cfg(test)]
#[path = "proof_tests.rs"]
mod tests;
