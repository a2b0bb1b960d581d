//! A DPoP client key (Ed25519) that signs proofs the way a browser's WebCrypto key would, and
//! requests that carry them.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use reqwest::Response;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{send, TestServer};

pub struct DpopKey {
    key: ed25519_dalek::SigningKey,
}

impl Default for DpopKey {
    fn default() -> Self {
        Self::new()
    }
}

impl DpopKey {
    pub fn new() -> Self {
        Self {
            key: ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng),
        }
    }

    pub fn jwk(&self) -> Value {
        let x = URL_SAFE_NO_PAD.encode(self.key.verifying_key().as_bytes());
        json!({ "kty": "OKP", "crv": "Ed25519", "x": x })
    }

    /// RFC 7638: SHA-256 over the required members in lexicographic order.
    pub fn thumbprint(&self) -> String {
        let x = URL_SAFE_NO_PAD.encode(self.key.verifying_key().as_bytes());
        let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// A fresh proof for `method` `url` (with `ath` for `token`), issued `age` seconds ago.
    pub fn proof_aged(&self, method: &str, url: &str, token: Option<&str>, age: i64) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let mut claims = json!({
            "jti": uuid_like(),
            "htm": method,
            "htu": url,
            "iat": now - age,
        });
        if let Some(token) = token {
            claims["ath"] = json!(URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes())));
        }
        let header = json!({ "typ": "dpop+jwt", "alg": "EdDSA", "jwk": self.jwk() });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.key.sign(input.as_bytes()).to_bytes();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    pub fn proof(&self, method: &str, url: &str, token: Option<&str>) -> String {
        self.proof_aged(method, url, token, 0)
    }
}

fn uuid_like() -> String {
    let mut bytes = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl TestServer {
    /// The URL a proof for `path` names: the public origin plus the path.
    pub fn htu(&self, path: &str) -> String {
        format!("{}{path}", self.public_origin())
    }

    /// `POST path` with a JSON body and a `DPoP` proof header (no access token).
    pub async fn post_with_proof(&self, path: &str, body: &Value, proof: &str) -> Response {
        let request = self.client.post(self.url(path)).json(body);
        send(request.header("dpop", proof)).await
    }

    /// `GET path` with `Authorization: <scheme> <token>` and, when given, a `DPoP` proof.
    pub async fn get_with(
        &self,
        path: &str,
        scheme: &str,
        token: &str,
        proof: Option<&str>,
    ) -> Response {
        let mut request = self
            .client
            .get(self.url(path))
            .header("authorization", format!("{scheme} {token}"));
        if let Some(proof) = proof {
            request = request.header("dpop", proof);
        }
        send(request).await
    }
}
