//! Sender-constrained tokens (issue 17, RFC 9449 DPoP): a client that proves possession of a key
//! when it gets its tokens has them bound to that key, and a bound token is refused anywhere
//! without a fresh proof by the same key.
//!
//! - Token requests (sign-up, login, second step, passkey sign-in, reset confirmation, refresh)
//!   may carry a `DPoP` proof for `POST <public URL><path>`; the session is then bound to the
//!   key's thumbprint (`refresh_families.dpop_jkt`), every access token carries `cnf.jkt`, and
//!   the answer's `token_type` is `DPoP`. A refresh of a bound session needs a proof by that key.
//! - A bound token is accepted only as `Authorization: DPoP <token>` with a proof (`proof`) whose
//!   `ath` is the token's hash and whose key is the token's `cnf.jkt`, and whose `jti` this
//!   instance has not seen within the proof window (`ReplayCache`). The verified-token cache
//!   keeps the claims, so `cnf` is checked on every request, hit or miss.
//! - `TOKENGATE_DPOP`: `off` (proofs ignored, Bearer only), `optional` (the default: bound when a
//!   proof comes, Bearer otherwise), `required` (no unbound tokens at all).

pub mod proof;
pub mod proof_key;

use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use quick_cache::sync::{Cache, GuardResult};
use sha2::{Digest, Sha256};

use self::proof::{Target, VerifiedProof};
use super::state::AppState;
use crate::error::{ApiError, ErrorCode};

/// `TOKENGATE_DPOP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DpopMode {
    Off,
    #[default]
    Optional,
    Required,
}

/// Proof `jti`s seen by this instance, each kept until its proof is stale anyway. Bounded by
/// entry count: past `capacity` proofs within one proof window (60 s), the oldest are forgotten
/// and could be replayed once more on this instance within their window.
pub struct ReplayCache {
    seen: Cache<[u8; 32], i64>,
}

impl ReplayCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            seen: Cache::new(capacity.max(1)),
        }
    }

    /// True the first time `(jkt, jti)` is presented; false for a replay.
    pub fn first_use(&self, verified: &VerifiedProof) -> bool {
        let mut hasher = Sha256::new();
        hasher.update(verified.jkt.as_bytes());
        hasher.update([0]);
        hasher.update(verified.jti.as_bytes());
        let key: [u8; 32] = hasher.finalize().into();
        match self.seen.get_value_or_guard(&key, None) {
            GuardResult::Guard(guard) => {
                let _ = guard.insert(verified.iat);
                true
            }
            GuardResult::Value(_) | GuardResult::Timeout => false,
        }
    }
}

/// The one `DPoP` header of a request: `Ok(None)` without one, refused when there are several.
fn proof_header(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let mut values = headers.get_all("dpop").iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(invalid_proof("Send one DPoP proof"));
    }
    first
        .to_str()
        .map(Some)
        .map_err(|_| invalid_proof("The DPoP proof is not a JWS"))
}

/// Checks the request's proof for a token request (no access token, no expected key): the
/// proof's rules, then replay. The key's thumbprint.
fn check(state: &AppState, parts: &Parts, proof: &str) -> Result<String, ApiError> {
    let url = state.public_url.join(parts.uri.path());
    let target = Target {
        method: parts.method.as_str(),
        url: &url,
        access_token: None,
    };
    let verified = proof::verify(proof, &target, super::now_unix()).map_err(refused)?;
    accept(state, verified, None)
}

fn refused(reason: proof::ProofError) -> ApiError {
    tracing::info!(%reason, "DPoP proof refused");
    invalid_proof("The DPoP proof is not valid for this request")
}

/// A verified proof's key against `expected_jkt` (a bound token's), then replay.
fn accept(
    state: &AppState,
    verified: VerifiedProof,
    expected_jkt: Option<&str>,
) -> Result<String, ApiError> {
    if expected_jkt.is_some_and(|jkt| jkt != verified.jkt) {
        tracing::info!("DPoP proof by another key than the token's");
        return Err(invalid_proof("The DPoP proof is signed by another key"));
    }
    if !state.dpop_replays.first_use(&verified) {
        tracing::info!("DPoP proof replayed");
        return Err(invalid_proof("This DPoP proof was already used"));
    }
    Ok(verified.jkt)
}

/// The key a token request's session is to be bound to (`None`: Bearer tokens). Every handler
/// that starts a session gets it first, before it hashes a password, consumes a code, a link or
/// a ceremony, or creates an account: a bad proof then costs none of that and changes nothing.
#[derive(Debug)]
#[must_use]
pub struct TokenBinding(Option<String>);

impl TokenBinding {
    /// The current request's binding (`binding_for_token_request`); its proof's `jti` is used up.
    pub fn of_this_request(state: &AppState) -> Result<Self, ApiError> {
        super::request::with_parts(|parts| binding_for_token_request(state, parts))?.map(Self)
    }

    /// The key's thumbprint, for the session's `dpop_jkt`.
    pub fn jkt(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// For a request that issues tokens (sign-up, login, ...): the key to bind them to, if any.
/// 400 `invalid_dpop_proof` for a bad proof, or for none when `TOKENGATE_DPOP=required`.
pub fn binding_for_token_request(
    state: &AppState,
    parts: &Parts,
) -> Result<Option<String>, ApiError> {
    if state.dpop == DpopMode::Off || parts.method != Method::POST {
        return Ok(None);
    }
    match proof_header(&parts.headers)? {
        Some(proof) => check(state, parts, proof).map(Some),
        None if state.dpop == DpopMode::Required => Err(invalid_proof(
            "This server issues sender-constrained tokens only: send a DPoP proof",
        )),
        None => Ok(None),
    }
}

/// For a refresh of a session bound to `jkt`: a proof by that key. Sessions that are not bound
/// take one like any token request (it is checked, and they stay as they are).
pub fn check_refresh(state: &AppState, parts: &Parts, jkt: Option<&str>) -> Result<(), ApiError> {
    let presented = binding_for_token_request(state, parts)?;
    match (jkt, presented.as_deref()) {
        (Some(bound), Some(key)) if bound == key => Ok(()),
        (Some(_), Some(_)) => Err(invalid_proof("This session is bound to another key")),
        (Some(_), None) => Err(invalid_proof("This session needs a DPoP proof")),
        (None, _) => Ok(()),
    }
}

/// How a protected request presented its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Bearer,
    Dpop,
}

/// For a protected request whose token verified: a bound token (`cnf_jkt`) must come as
/// `DPoP` with a proof by its key for this request, which is returned to be checked
/// ([`ProofToCheck::check`]); an unbound one as `Bearer` (refused when `TOKENGATE_DPOP=required`).
pub fn check_presentation(
    state: &AppState,
    parts: &Parts,
    scheme: Scheme,
    cnf_jkt: Option<&str>,
) -> Result<Option<ProofToCheck>, ApiError> {
    match (cnf_jkt, scheme) {
        (Some(jkt), Scheme::Dpop) => {
            let proof = proof_header(&parts.headers)?
                .ok_or_else(|| invalid_proof("Send a DPoP proof with this token"))?;
            Ok(Some(ProofToCheck {
                jkt: jkt.to_owned(),
                method: parts.method.as_str().to_owned(),
                url: state.public_url.join(parts.uri.path()),
                proof: proof.to_owned(),
            }))
        }
        (Some(_), Scheme::Bearer) => Err(dpop_token(
            "This token is bound to a key: send it as DPoP with a proof",
        )),
        (None, Scheme::Dpop) => Err(dpop_token("This token is not bound to a key")),
        (None, Scheme::Bearer) if state.dpop == DpopMode::Required => Err(dpop_token(
            "This server accepts sender-constrained tokens only",
        )),
        (None, Scheme::Bearer) => Ok(None),
    }
}

/// A bound token's proof, taken from its request, still to be checked.
#[must_use]
pub struct ProofToCheck {
    jkt: String,
    method: String,
    url: String,
    proof: String,
}

impl ProofToCheck {
    /// The proof's rules for `access_token` (its signature in a batch), its key against the
    /// token's `jkt`, then replay.
    pub async fn check(self, state: &AppState, access_token: &str) -> Result<(), ApiError> {
        let target = Target {
            method: &self.method,
            url: &self.url,
            access_token: Some(access_token),
        };
        let now = super::now_unix();
        let verified = proof::verify_batched(
            &self.proof,
            &target,
            now,
            &state.dpop_keys,
            &state.signatures,
        )
        .await
        .map_err(refused)?;
        accept(state, verified, Some(&self.jkt)).map(|_| ())
    }
}

/// 401 `invalid_dpop_proof` with `WWW-Authenticate: DPoP error="invalid_dpop_proof"`.
pub fn invalid_proof(message: &str) -> ApiError {
    let mut error = ApiError::new(ErrorCode::InvalidDpopProof, message);
    error.dpop_challenge = true;
    error
}

/// 401 `invalid_token` with the DPoP challenge (`WWW-Authenticate: DPoP error="invalid_token"`).
pub fn dpop_token(message: &str) -> ApiError {
    let mut error = ApiError::new(ErrorCode::InvalidToken, message);
    error.dpop_challenge = true;
    error
}
