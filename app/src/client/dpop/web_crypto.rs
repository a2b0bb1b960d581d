//! Making and signing with the browser's DPoP key through WebCrypto: Ed25519 where the browser
//! has it, ECDSA P-256 otherwise, always non-extractable (only the public half can be exported).

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use super::{base64url, key_store, proof_claims, proof_header, signing_input, Unavailable};

/// A proof (`DPoP` header value) for `method` `htu`, with `ath` when `access_token` comes along.
/// Makes this browser's key the first time (and keeps whichever key another tab stored first).
pub async fn proof(
    method: &str,
    htu: &str,
    access_token: Option<&str>,
) -> Result<String, Unavailable> {
    let crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or_else(|| Unavailable("no window.crypto".into()))?;
    // `crypto.subtle` is undefined outside secure contexts (plain http:// on a non-local host).
    if Reflect::get(&crypto, &"subtle".into())?.is_undefined() {
        return Err(Unavailable(
            "no crypto.subtle (not a secure context)".into(),
        ));
    }
    let subtle = crypto.subtle();
    let key = DeviceKey::get_or_create(&subtle).await?;
    let ath = match access_token {
        Some(token) => Some(base64url(&digest(&subtle, token.as_bytes()).await?)),
        None => None,
    };
    let mut jti = [0u8; 16];
    crypto.get_random_values_with_u8_array(&mut jti)?;
    let header = proof_header(key.alg(), key.public_jwk(&subtle).await?);
    let iat = crate::time_fmt::now_secs();
    let claims = proof_claims(&base64url(&jti), method, htu, iat, ath.as_deref());
    let input = signing_input(&header, &claims);
    let signature = key.sign(&subtle, input.as_bytes()).await?;
    Ok(format!("{input}.{}", base64url(&signature)))
}

/// The stored `CryptoKeyPair`, and whether it is Ed25519 (else ECDSA P-256).
struct DeviceKey {
    pair: JsValue,
    ed25519: bool,
}

impl DeviceKey {
    async fn get_or_create(subtle: &SubtleCrypto) -> Result<Self, Unavailable> {
        if let Some(pair) = key_store::load().await? {
            return Self::from_pair(pair);
        }
        key_store::add_if_absent(&generate(subtle).await?).await?;
        // Read back what is stored: another tab racing here may have stored its key first.
        let pair = key_store::load()
            .await?
            .ok_or_else(|| Unavailable("the key was not stored".into()))?;
        Self::from_pair(pair)
    }

    fn from_pair(pair: JsValue) -> Result<Self, Unavailable> {
        let private = Reflect::get(&pair, &"privateKey".into())?;
        let algorithm = Reflect::get(&private, &"algorithm".into())?;
        let name = Reflect::get(&algorithm, &"name".into())?.as_string();
        Ok(Self {
            ed25519: name.as_deref() == Some("Ed25519"),
            pair,
        })
    }

    /// The JWS `alg` of the key.
    fn alg(&self) -> &'static str {
        if self.ed25519 {
            "EdDSA"
        } else {
            "ES256"
        }
    }

    fn half(&self, name: &str) -> Result<CryptoKey, Unavailable> {
        Ok(Reflect::get(&self.pair, &name.into())?.dyn_into::<CryptoKey>()?)
    }

    /// The public key as a JWK with its key members only (`kty`, `crv`, `x`, `y`).
    async fn public_jwk(&self, subtle: &SubtleCrypto) -> Result<serde_json::Value, Unavailable> {
        let exported = subtle.export_key("jwk", &self.half("publicKey")?)?;
        let jwk = JsFuture::from(exported).await?;
        let mut members = serde_json::Map::new();
        for name in ["kty", "crv", "x", "y"] {
            if let Some(value) = Reflect::get(&jwk, &name.into())?.as_string() {
                members.insert(name.into(), value.into());
            }
        }
        Ok(members.into())
    }

    /// The signature over `data`: Ed25519's 64 bytes, or ECDSA's raw `r || s` (WebCrypto's
    /// format is already the one JWS ES256 wants).
    async fn sign(&self, subtle: &SubtleCrypto, data: &[u8]) -> Result<Vec<u8>, Unavailable> {
        let private = self.half("privateKey")?;
        let signing = if self.ed25519 {
            subtle.sign_with_str_and_u8_array("Ed25519", &private, data)?
        } else {
            let params = object(&[("name", "ECDSA"), ("hash", "SHA-256")])?;
            subtle.sign_with_object_and_u8_array(&params, &private, data)?
        };
        Ok(Uint8Array::new(&JsFuture::from(signing).await?).to_vec())
    }
}

/// A new non-extractable key pair: Ed25519, or ECDSA P-256 where Ed25519 is not supported.
async fn generate(subtle: &SubtleCrypto) -> Result<JsValue, Unavailable> {
    let usages: JsValue = Array::of2(&"sign".into(), &"verify".into()).into();
    let ed25519 = subtle.generate_key_with_str("Ed25519", false, &usages);
    if let Ok(promise) = ed25519 {
        if let Ok(pair) = JsFuture::from(promise).await {
            return Ok(pair);
        }
    }
    let params = object(&[("name", "ECDSA"), ("namedCurve", "P-256")])?;
    let promise = subtle.generate_key_with_object(&params, false, &usages)?;
    Ok(JsFuture::from(promise).await?)
}

async fn digest(subtle: &SubtleCrypto, data: &[u8]) -> Result<Vec<u8>, Unavailable> {
    let hashing = subtle.digest_with_str_and_u8_array("SHA-256", data)?;
    Ok(Uint8Array::new(&JsFuture::from(hashing).await?).to_vec())
}

fn object(members: &[(&str, &str)]) -> Result<Object, Unavailable> {
    let object = Object::new();
    for (name, value) in members {
        Reflect::set(&object, &(*name).into(), &(*value).into())?;
    }
    Ok(object)
}
