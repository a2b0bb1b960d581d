//! The key set a server signs and verifies with: one algorithm (EdDSA by default, HS256 by
//! configuration), every still-valid key as a verifier, the newest active one as the signer.
//! Only EdDSA public keys are ever published; an HMAC secret never leaves the server.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand_core::{OsRng, RngCore};
use serde::Serialize;

pub struct Signer {
    pub kid: String,
    pub encoding: EncodingKey,
}

/// One public key in JWKS form (RFC 8037 OKP).
#[derive(Debug, Clone, Serialize)]
pub struct PublicJwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub kid: String,
    pub x: String,
}

/// Secret key material of one key.
pub enum KeyMaterial {
    Ed25519(SigningKey),
    /// At least 32 bytes.
    Hmac(Vec<u8>),
}

/// A key as loaded: material plus its lifetime.
pub struct LoadedKey {
    pub kid: String,
    pub material: KeyMaterial,
    /// When it starts signing: keys are published (verifiable everywhere) before they sign.
    pub active_from: i64,
    /// When it stops verifying.
    pub retired_at: Option<i64>,
}

pub struct SigningKeys {
    algorithm: Algorithm,
    /// Keys that may sign, newest activation first.
    signers: Vec<(i64, Signer)>,
    /// kid -> (key, time it stops verifying).
    verifiers: HashMap<String, (DecodingKey, Option<i64>)>,
    public: Vec<(PublicJwk, Option<i64>)>,
}

impl SigningKeys {
    /// Builds a key set; `None` if there is no key or one is unusable.
    pub fn from_loaded(algorithm: Algorithm, keys: Vec<LoadedKey>) -> Option<Self> {
        let mut verifiers = HashMap::new();
        let mut public = Vec::new();
        let mut signers = Vec::new();
        for key in keys {
            let (encoding, decoding) = match &key.material {
                KeyMaterial::Ed25519(signing) => {
                    let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().as_bytes());
                    let decoding = DecodingKey::from_ed_components(&x).ok()?;
                    public.push((
                        PublicJwk {
                            kty: "OKP",
                            crv: "Ed25519",
                            alg: "EdDSA",
                            use_: "sig",
                            kid: key.kid.clone(),
                            x,
                        },
                        key.retired_at,
                    ));
                    let der = signing.to_pkcs8_der().ok()?;
                    (EncodingKey::from_ed_der(der.as_bytes()), decoding)
                }
                KeyMaterial::Hmac(secret) => (
                    EncodingKey::from_secret(secret),
                    DecodingKey::from_secret(secret),
                ),
            };
            verifiers.insert(key.kid.clone(), (decoding, key.retired_at));
            // A key on its way out still signs until its successor activates (it retires one
            // token lifetime after that).
            signers.push((
                key.active_from,
                Signer {
                    kid: key.kid,
                    encoding,
                },
            ));
        }
        if signers.is_empty() {
            return None;
        }
        signers.sort_by_key(|(active_from, _)| std::cmp::Reverse(*active_from));
        Some(Self {
            algorithm,
            signers,
            verifiers,
            public,
        })
    }

    /// A fresh in-memory EdDSA key set (tests).
    pub fn ephemeral() -> Self {
        let key = LoadedKey {
            kid: new_kid(),
            material: KeyMaterial::Ed25519(SigningKey::generate(&mut OsRng)),
            active_from: 0,
            retired_at: None,
        };
        Self::from_loaded(Algorithm::EdDSA, vec![key]).expect("a fresh Ed25519 key is usable")
    }

    /// A fresh in-memory HS256 key set (tests).
    pub fn ephemeral_hs256() -> Self {
        let key = LoadedKey {
            kid: new_kid(),
            material: KeyMaterial::Hmac(random_secret()),
            active_from: 0,
            retired_at: None,
        };
        Self::from_loaded(Algorithm::HS256, vec![key]).expect("a fresh secret is usable")
    }

    /// The one algorithm this server signs with and accepts.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The newest key already active (before any is, the oldest one).
    pub fn signer(&self) -> &Signer {
        let now = crate::server::now_unix();
        self.signers
            .iter()
            .find(|(from, _)| *from <= now)
            .or(self.signers.last())
            .map(|(_, signer)| signer)
            .expect("a key set always has a signer")
    }

    /// The key for `kid`, unless unknown or retired.
    pub fn verifier(&self, kid: &str) -> Option<&DecodingKey> {
        let now = crate::server::now_unix();
        self.verifiers
            .get(kid)
            .filter(|(_, retired_at)| retired_at.is_none_or(|at| at > now))
            .map(|(key, _)| key)
    }

    /// The public keys that still verify, for `/.well-known/jwks.json` (none for HS256).
    pub fn public_jwks(&self) -> Vec<PublicJwk> {
        let now = crate::server::now_unix();
        self.public
            .iter()
            .filter(|(_, retired_at)| retired_at.is_none_or(|at| at > now))
            .map(|(jwk, _)| jwk.clone())
            .collect()
    }
}

pub fn new_kid() -> String {
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// 256 bits from the OS CSPRNG.
pub fn random_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes
}
