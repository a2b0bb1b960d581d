//! The key set a server signs and verifies with: one algorithm (EdDSA by default; ES256, RS256
//! or HS256 by configuration), every still-valid key as a verifier, the newest active one as the
//! signer. Public keys are published; an HMAC secret never leaves the server.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand_core::{OsRng, RngCore};

use super::jwk::PublicJwk;
use super::material::KeyMaterial;
use crate::server::config::JwtAlgorithm;

pub struct Signer {
    pub kid: String,
    pub encoding: EncodingKey,
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
    /// kid -> the same public key for batched Ed25519 checks (EdDSA key sets only).
    ed25519: HashMap<String, ed25519_dalek::VerifyingKey>,
    public: Vec<(PublicJwk, Option<i64>)>,
}

impl SigningKeys {
    /// Builds a key set; `None` if there is no key or one is unusable.
    pub fn from_loaded(algorithm: Algorithm, keys: Vec<LoadedKey>) -> Option<Self> {
        let mut verifiers = HashMap::new();
        let mut ed25519 = HashMap::new();
        let mut public = Vec::new();
        let mut signers = Vec::new();
        for key in keys {
            // Each key is bound to one algorithm: material of another one makes the set unusable.
            if key.material.algorithm() != algorithm {
                return None;
            }
            let jwt = key.material.jwt_keys()?;
            if let KeyMaterial::Ed25519(signing) = &key.material {
                ed25519.insert(key.kid.clone(), signing.verifying_key());
            }
            if let Some(params) = jwt.public {
                let jwk = PublicJwk {
                    kid: key.kid.clone(),
                    key: params,
                };
                public.push((jwk, key.retired_at));
            }
            verifiers.insert(key.kid.clone(), (jwt.decoding, key.retired_at));
            // A key on its way out still signs until its successor activates (it retires one
            // token lifetime after that).
            signers.push((
                key.active_from,
                Signer {
                    kid: key.kid,
                    encoding: jwt.encoding,
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
            ed25519,
            public,
        })
    }

    /// A fresh in-memory EdDSA key set (tests).
    pub fn ephemeral() -> Self {
        Self::ephemeral_for(JwtAlgorithm::EdDSA)
    }

    /// A fresh in-memory HS256 key set (tests).
    pub fn ephemeral_hs256() -> Self {
        Self::ephemeral_for(JwtAlgorithm::HS256)
    }

    /// A fresh in-memory key set of `algorithm` with one key (tests, benchmarks).
    pub fn ephemeral_for(algorithm: JwtAlgorithm) -> Self {
        let material = KeyMaterial::generate(algorithm).expect("the OS CSPRNG is available");
        let key = LoadedKey {
            kid: new_kid(),
            material,
            active_from: 0,
            retired_at: None,
        };
        let jwt_algorithm = key.material.algorithm();
        Self::from_loaded(jwt_algorithm, vec![key]).expect("a freshly generated key is usable")
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

    /// The Ed25519 public key for `kid`, unless unknown or retired (EdDSA key sets only).
    pub fn ed25519_verifier(&self, kid: &str) -> Option<ed25519_dalek::VerifyingKey> {
        self.verifier(kid)?;
        self.ed25519.get(kid).copied()
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
