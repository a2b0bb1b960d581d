//! DPoP in the browser (RFC 9449, issue 17): one key pair per browser profile, made by WebCrypto
//! as non-extractable and kept in IndexedDB (`key_store`), so a token copied out of
//! `localStorage` is useless without it: its private half never reaches JavaScript, let alone
//! storage a script could read out. Every token request carries a proof by that key, so the server
//! binds the session to it; every call with a bound token carries a fresh proof for that request.
//!
//! What goes into a proof is decided here (`ProofPlan`, testable off the browser); signing is
//! `web_crypto`'s. On the server (SSR) nothing is ever proved: there is no key and no storage.

#[cfg(feature = "hydrate")]
mod key_store;
#[cfg(feature = "hydrate")]
mod web_crypto;

use super::jwt_view;

/// The requests that issue tokens (`POST`): a proof without `ath` binds the session they start
/// (or, for `refresh`, proves the key of a bound one). The server's token endpoints.
pub const TOKEN_REQUEST_PATHS: [&str; 8] = [
    "/api/auth/signup",
    "/api/auth/login",
    "/api/auth/mfa/verify",
    "/api/auth/mfa/passkey/finish",
    "/api/auth/passkeys/login/finish",
    "/api/auth/passkeys/signup/finish",
    "/api/auth/password-reset/confirm",
    "/api/auth/refresh",
];

/// How one request presents itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofPlan {
    /// A token request: a proof without `ath`, and no access token (the endpoint reads none).
    TokenRequest,
    /// A bound token: `Authorization: DPoP <token>` and a proof with the token's `ath`.
    Bound(String),
    /// An unbound token: `Authorization: Bearer <token>`, no proof.
    Bearer(String),
    /// No token and nothing to bind: the request goes out as it is.
    Anonymous,
}

impl ProofPlan {
    /// The plan for a request to `path` while `token` is the stored access token.
    pub fn for_request(path: &str, token: Option<String>) -> Self {
        if TOKEN_REQUEST_PATHS.contains(&path) {
            return Self::TokenRequest;
        }
        match token {
            Some(token) if is_bound(&token) => Self::Bound(token),
            Some(token) => Self::Bearer(token),
            None => Self::Anonymous,
        }
    }
}

/// True when the token's payload has `cnf` (RFC 9449 §6: it names the key it is bound to).
pub fn is_bound(token: &str) -> bool {
    jwt_view::jwt_segment(token, 1).is_some_and(|claims| claims.get("cnf").is_some())
}

/// `(htu, path)` of a request URL as the browser sends it: `url` absolute, or relative to
/// `origin` (`/api/...`); query and fragment are not part of `htu` (RFC 9449 §4.2).
pub fn target(origin: &str, url: &str) -> (String, String) {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let url = &url[..end];
    let htu = if url.starts_with('/') {
        format!("{origin}{url}")
    } else {
        url.to_owned()
    };
    let path = match htu.find("://") {
        Some(scheme_end) => {
            let rest = &htu[scheme_end + 3..];
            rest.find('/')
                .map_or("/", |slash| &rest[slash..])
                .to_owned()
        }
        None => htu.clone(),
    };
    (htu, path)
}

/// The JWS header of a proof for a public key `jwk` (already reduced to its public members).
pub fn proof_header(alg: &str, jwk: serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "typ": "dpop+jwt", "alg": alg, "jwk": jwk })
}

/// The claims of a proof; `ath` only with an access token.
pub fn proof_claims(
    jti: &str,
    method: &str,
    htu: &str,
    iat: i64,
    ath: Option<&str>,
) -> serde_json::Value {
    let mut claims = serde_json::json!({ "jti": jti, "htm": method, "htu": htu, "iat": iat });
    if let Some(ath) = ath {
        claims["ath"] = ath.into();
    }
    claims
}

/// `base64url(header) "." base64url(claims)`: the bytes a proof signs.
pub fn signing_input(header: &serde_json::Value, claims: &serde_json::Value) -> String {
    format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    )
}

/// Unpadded base64url (a few lines instead of the `base64` crate's engine in the WASM).
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut acc = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            acc |= u32::from(b) << (16 - 8 * i);
        }
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(acc >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

/// Why no proof could be made (WebCrypto or IndexedDB missing or refusing): the caller falls back
/// to plain Bearer.
#[derive(Debug, Clone)]
pub struct Unavailable(pub String);

#[cfg(feature = "hydrate")]
impl From<wasm_bindgen::JsValue> for Unavailable {
    fn from(err: wasm_bindgen::JsValue) -> Self {
        Unavailable(format!("{err:?}"))
    }
}

#[cfg(feature = "hydrate")]
pub use web_crypto::proof;

/// Forgets this browser's key (on logout): the next login makes a new one.
#[cfg(feature = "hydrate")]
pub fn discard() {
    leptos::task::spawn_local(async {
        if let Err(Unavailable(why)) = key_store::delete().await {
            web_sys::console::warn_1(&format!("DPoP key not discarded: {why}").into());
        }
    });
}

#[cfg(not(feature = "hydrate"))]
pub fn discard() {}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
