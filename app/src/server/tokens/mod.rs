//! Access tokens: JWTs signed with the one configured algorithm (EdDSA by default; ES256, RS256
//! or HS256), with `typ: at+jwt` and a `kid` in every header.
//!
//! Verification follows RFC 8725: size checked before parsing, a fixed algorithm allow-list (the
//! token's `alg` only has to match it), `typ` checked, `kid` looked up in our own key set only,
//! headers that point elsewhere for keys (`jku`, `x5u`, `jwk`, `x5c`) refused, then signature, `exp`,
//! `nbf`, `iss` and `aud` checked with a small leeway.

mod batch;
mod cache;
mod jwk;
mod key_store;
mod keys;
mod material;

pub use batch::{ed25519_signed_parts, SignatureBatcher};
pub use cache::VerifiedTokenCache;

pub use jwk::{PublicJwk, PublicKeyParams};
pub use key_store::{load_signing_keys, rotate_signing_key, KeyError, KeySource};
pub use keys::SigningKeys;

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

/// Tokens larger than this are refused before any parsing.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// RFC 9068 media type of an access token.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// What an access token carries: enough to answer most requests without a database trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    pub username: String,
    pub role: String,
    /// The session ("refresh family") this token was issued for.
    pub sid: String,
    /// How the user logged in (RFC 8176: `pwd`, `otp`, `mfa`), the same for every token of the
    /// session. Absent in tokens issued before it existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// The key the token is bound to (RFC 9449 `cnf.jkt`): it is only accepted with a DPoP
    /// proof by that key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// RFC 7800 confirmation claim, with the RFC 9449 JWK thumbprint member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub jkt: String,
}

/// Issuer, audience, lifetime and leeway shared by issuing and verifying.
#[derive(Debug, Clone)]
pub struct TokenPolicy {
    pub issuer: String,
    pub audience: String,
    pub ttl_secs: u64,
    pub leeway_secs: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("token too large")]
    TooLarge,
    #[error("malformed token")]
    Malformed,
    #[error("algorithm not allowed")]
    AlgorithmNotAllowed,
    #[error("wrong token type")]
    WrongType,
    #[error("unknown key id")]
    UnknownKey,
    #[error("external key reference not allowed")]
    ExternalKeyReference,
    #[error("invalid token: {0}")]
    Invalid(String),
    #[error("signing failed")]
    Signing,
}

/// Subject data put into a new token.
pub struct Subject<'a> {
    pub user_id: &'a str,
    pub username: &'a str,
    pub role: &'a str,
    pub session_id: &'a str,
    /// Space-separated `amr` values.
    pub amr: &'a str,
    /// The DPoP key thumbprint to bind the token to.
    pub dpop_jkt: Option<&'a str>,
}

/// Signs a new access token; returns it with its claims.
pub fn issue_access_token(
    keys: &SigningKeys,
    policy: &TokenPolicy,
    subject: Subject<'_>,
    now: i64,
) -> Result<(String, AccessClaims), TokenError> {
    let claims = AccessClaims {
        sub: subject.user_id.to_owned(),
        iss: policy.issuer.clone(),
        aud: policy.audience.clone(),
        iat: now,
        nbf: now,
        exp: now + policy.ttl_secs as i64,
        jti: uuid::Uuid::new_v4().to_string(),
        username: subject.username.to_owned(),
        role: subject.role.to_owned(),
        sid: subject.session_id.to_owned(),
        amr: subject.amr.split_whitespace().map(str::to_owned).collect(),
        cnf: subject.dpop_jkt.map(|jkt| Confirmation {
            jkt: jkt.to_owned(),
        }),
    };
    let signer = keys.signer();
    let mut header = Header::new(keys.algorithm());
    header.typ = Some(ACCESS_TOKEN_TYP.to_owned());
    header.kid = Some(signer.kid.clone());
    let token = jsonwebtoken::encode(&header, &claims, &signer.encoding)
        .map_err(|_| TokenError::Signing)?;
    Ok((token, claims))
}

/// Verifies an access token completely; only then are its claims returned.
pub fn verify_access_token(
    keys: &SigningKeys,
    policy: &TokenPolicy,
    token: &str,
) -> Result<AccessClaims, TokenError> {
    verify_with_kid(keys, policy, token).map(|(claims, _)| claims)
}

/// [`verify_access_token`], also returning the `kid` of the key that verified it.
fn verify_with_kid(
    keys: &SigningKeys,
    policy: &TokenPolicy,
    token: &str,
) -> Result<(AccessClaims, String), TokenError> {
    let kid = checked_kid(keys, token)?;
    let decoding = keys.verifier(&kid).ok_or(TokenError::UnknownKey)?;
    jsonwebtoken::decode::<AccessClaims>(token, decoding, &claims_validation(keys, policy))
        .map(|data| (data.claims, kid))
        .map_err(|e| TokenError::Invalid(format!("{:?}", e.kind())))
}

/// [`verify_with_kid`], with an EdDSA signature checked by `batcher` (together with the other
/// requests' signatures waiting at that moment, see `batch`) instead of on this task. Every
/// other check is the same code: the header rules first, then `jsonwebtoken` validates the
/// claims exactly as in [`verify_with_kid`], only its own signature step is left to the batch.
/// Claims are never returned unless the signature is valid. Other algorithms are verified as
/// in [`verify_with_kid`].
pub(crate) async fn verify_with_kid_batched(
    keys: &SigningKeys,
    policy: &TokenPolicy,
    token: &str,
    batcher: &SignatureBatcher,
) -> Result<(AccessClaims, String), TokenError> {
    if keys.algorithm() != Algorithm::EdDSA {
        return verify_with_kid(keys, policy, token);
    }
    let kid = checked_kid(keys, token)?;
    let decoding = keys.verifier(&kid).ok_or(TokenError::UnknownKey)?;
    let public = keys.ed25519_verifier(&kid).ok_or(TokenError::UnknownKey)?;
    let mut validation = claims_validation(keys, policy);
    // Deprecated in favour of `dangerous::insecure_decode`, which would also skip the claim
    // checks (they would then be hand-written here). This keeps them in `jsonwebtoken`; only the
    // signature is left out, and it is checked below before anything is returned.
    #[allow(deprecated)]
    validation.insecure_disable_signature_validation();
    let claims = jsonwebtoken::decode::<AccessClaims>(token, decoding, &validation)
        .map_err(|e| TokenError::Invalid(format!("{:?}", e.kind())))?
        .claims;
    let invalid_signature = || TokenError::Invalid("InvalidSignature".to_owned());
    // `decode` above has split the token into three segments already.
    let (message, signature) = ed25519_signed_parts(token).ok_or_else(invalid_signature)?;
    if !batcher.verify(message.as_bytes(), signature, public).await {
        return Err(invalid_signature());
    }
    Ok((claims, kid))
}

/// The header rules of RFC 8725, before any signature or claim is looked at: size, the one
/// configured algorithm, `typ`, no key references elsewhere, a `kid` of our own key set.
fn checked_kid(keys: &SigningKeys, token: &str) -> Result<String, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge);
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
    // The one configured algorithm: never the one the token names (no `none`, no HS/EdDSA mix).
    if header.alg != keys.algorithm() {
        return Err(TokenError::AlgorithmNotAllowed);
    }
    if header.typ.as_deref() != Some(ACCESS_TOKEN_TYP) {
        return Err(TokenError::WrongType);
    }
    if header.jku.is_some() || header.x5u.is_some() || header.jwk.is_some() || header.x5c.is_some()
    {
        return Err(TokenError::ExternalKeyReference);
    }
    let kid = header.kid.ok_or(TokenError::UnknownKey)?;
    if keys.verifier(&kid).is_none() {
        return Err(TokenError::UnknownKey);
    }
    Ok(kid)
}

/// What `jsonwebtoken` checks of the claims: `exp`, `nbf`, `iss`, `aud` and the required ones.
fn claims_validation(keys: &SigningKeys, policy: &TokenPolicy) -> Validation {
    let mut validation = Validation::new(keys.algorithm());
    validation.leeway = policy.leeway_secs;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.set_issuer(&[&policy.issuer]);
    validation.set_audience(&[&policy.audience]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
    validation
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
