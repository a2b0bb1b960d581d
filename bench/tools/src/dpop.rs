//! `dpop-requests`: load for the DPoP rows of the benchmark (issue 17). wrk cannot sign, so the
//! proofs are signed here just before a run, one per request, each with its own `jti`: a proof
//! lives `MAX_AGE_SECS` (60 s), long enough for the few seconds of a run.
//!
//! The client key is an Ed25519 key, as the browser client prefers; the proofs are signed with
//! jsonwebtoken (the crate that verifies them on the server), the tokens with the server's own
//! key through `issue_access_token`, bound to the key's RFC 7638 thumbprint as at login.

use std::path::Path;
use std::time::Instant;

use app::server::config::Config;
use app::server::dpop::proof::token_hash;
use app::server::dpop::proof_key::thumbprint;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

/// A client's DPoP key: what signs the proofs and what goes in their header.
struct ClientKey {
    signing: EncodingKey,
    header: Header,
    jkt: String,
}

impl ClientKey {
    fn generate() -> Result<Self, String> {
        let key = ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng);
        let der = key.to_pkcs8_der().map_err(|e| e.to_string())?;
        let signing = EncodingKey::from_ed_der(der.as_bytes());
        // jsonwebtoken derives no JWK from an Ed25519 key: the RFC 8037 OKP key, by hand.
        let x = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
        let jwk: Jwk =
            serde_json::from_value(serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": x}))
                .map_err(|e| e.to_string())?;
        let jkt = thumbprint(&jwk);
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(jwk);
        Ok(Self {
            signing,
            header,
            jkt,
        })
    }

    /// A fresh proof for `GET url` carrying `token`.
    fn proof(&self, url: &str, token: &str, now: i64) -> Result<String, String> {
        let claims = serde_json::json!({
            "jti": uuid::Uuid::new_v4().to_string(),
            "htm": "GET",
            "htu": url,
            "iat": now,
            "ath": token_hash(token),
        });
        jsonwebtoken::encode(&self.header, &claims, &self.signing).map_err(|e| e.to_string())
    }
}

pub async fn requests(
    config: &Config,
    users: usize,
    requests: usize,
    url: &str,
    out: &Path,
) -> Result<(), String> {
    let started = Instant::now();
    // Only the users the lines reach need a token.
    let minting = super::minting(config, users.min(requests)).await?;
    let key = ClientKey::generate()?;
    let now = app::server::now_unix();
    let tokens: Vec<String> = minting
        .users
        .iter()
        .map(|user| minting.token(user, Some(&key.jkt), now))
        .collect::<Result<_, _>>()?;
    super::write_lines(requests, out, |i| {
        let token = &tokens[i % tokens.len()];
        Ok(format!(
            "Authorization: DPoP {token}\tDPoP: {}",
            key.proof(url, token, now)?
        ))
    })?;
    eprintln!(
        "{requests} DPoP requests over {} bound tokens in {:.1} s",
        tokens.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
