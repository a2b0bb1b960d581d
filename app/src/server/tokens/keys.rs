//! Signing keys: generated with the OS CSPRNG on first start and persisted in the database, or
//! read from a configured PEM file. Never a built-in default.

use std::collections::HashMap;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rand_core::{OsRng, RngCore};
use serde::Serialize;

use crate::server::db::{self, keys::StoredKey, Db};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read TOKENGATE_JWT_PRIVATE_KEY_FILE {path}: {reason}")]
    File { path: String, reason: String },
    #[error("stored signing key {kid} is unusable")]
    Corrupt { kid: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

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

/// The key set of this server: one signer, every active key as a verifier.
pub struct SigningKeys {
    /// Keys that may sign, newest first, each from its activation time on.
    signers: Vec<(i64, Signer)>,
    /// kid -> (key, time it stops verifying).
    verifiers: HashMap<String, (DecodingKey, Option<i64>)>,
    public: Vec<(PublicJwk, Option<i64>)>,
}

struct Loaded {
    kid: String,
    signing: SigningKey,
    /// When it starts signing: keys are published (verifiable everywhere) before they sign.
    active_from: i64,
    retired_at: Option<i64>,
}

impl SigningKeys {
    /// Builds a key set from Ed25519 keys, newest first.
    fn from_loaded(keys: Vec<Loaded>) -> Option<Self> {
        let mut verifiers = HashMap::new();
        let mut public = Vec::new();
        let mut signers = Vec::new();
        for key in keys {
            let x = URL_SAFE_NO_PAD.encode(key.signing.verifying_key().as_bytes());
            let decoding = DecodingKey::from_ed_components(&x).ok()?;
            verifiers.insert(key.kid.clone(), (decoding, key.retired_at));
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
            // A key on its way out still signs until its successor activates (it retires one
            // token lifetime after that).
            let der = key.signing.to_pkcs8_der().ok()?;
            signers.push((
                key.active_from,
                Signer {
                    kid: key.kid,
                    encoding: EncodingKey::from_ed_der(der.as_bytes()),
                },
            ));
        }
        if signers.is_empty() {
            return None;
        }
        signers.sort_by_key(|(active_from, _)| std::cmp::Reverse(*active_from));
        Some(Self {
            signers,
            verifiers,
            public,
        })
    }

    /// A fresh in-memory key (tests, and the building block of `generate`).
    pub fn ephemeral() -> Self {
        Self::from_loaded(vec![Loaded {
            kid: new_kid(),
            signing: SigningKey::generate(&mut OsRng),
            active_from: 0,
            retired_at: None,
        }])
        .expect("a freshly generated Ed25519 key is always usable")
    }

    /// Loads the configured key file, or the active keys from the database, generating and
    /// persisting a first key when there is none.
    pub async fn load_or_generate(db: &Db, key_file: Option<&Path>) -> Result<Self, KeyError> {
        if let Some(path) = key_file {
            let file_err = |reason: String| KeyError::File {
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read_to_string(path).map_err(|e| file_err(e.to_string()))?;
            let signing = SigningKey::from_pkcs8_pem(&pem)
                .map_err(|_| file_err("not an Ed25519 PKCS#8 PEM private key".into()))?;
            let kid = kid_for(&signing);
            return Self::from_loaded(vec![Loaded {
                kid,
                signing,
                active_from: 0,
                retired_at: None,
            }])
            .ok_or_else(|| file_err("key rejected".into()));
        }
        let now = crate::server::now_unix();
        let mut stored = db::keys::active(db, now).await?;
        if stored.is_empty() {
            // First start: every instance racing here ends up with the same generation-1 key.
            store_new_key(db, true, 0).await?;
            stored = db::keys::active(db, now).await?;
        } else if stored.first().is_some_and(|k| k.retired_at.is_some()) {
            generate_and_store(db, None).await?;
            stored = db::keys::active(db, now).await?;
        }
        let mut loaded = Vec::with_capacity(stored.len());
        for key in stored {
            let signing =
                SigningKey::from_pkcs8_pem(&key.private_pem).map_err(|_| KeyError::Corrupt {
                    kid: key.kid.clone(),
                })?;
            loaded.push(Loaded {
                kid: key.kid,
                signing,
                active_from: key.created_at,
                retired_at: key.retired_at,
            });
        }
        Self::from_loaded(loaded).ok_or(KeyError::Corrupt { kid: "?".into() })
    }

    /// The newest key already active; before any is (cannot happen after the first start),
    /// the oldest one.
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

    /// The public keys that still verify, for `/.well-known/jwks.json`.
    pub fn public_jwks(&self) -> Vec<PublicJwk> {
        let now = crate::server::now_unix();
        self.public
            .iter()
            .filter(|(_, retired_at)| retired_at.is_none_or(|at| at > now))
            .map(|(jwk, _)| jwk.clone())
            .collect()
    }
}

/// Generates a new Ed25519 key with the OS CSPRNG and stores it; it becomes the signing key.
/// With `retire_others_after`, every older key is retired that many seconds from now: long
/// enough for the tokens it signed to expire, after which it leaves the JWKS.
pub async fn generate_and_store(
    db: &Db,
    retire_others_after: Option<i64>,
) -> Result<String, KeyError> {
    let kid = store_new_key(db, false, 0).await?;
    if let Some(after) = retire_others_after {
        db::keys::retire_others(db, &kid, crate::server::now_unix() + after).await?;
    }
    Ok(kid)
}

/// Rotation: a new key that every instance learns (at its next key reload) before it starts
/// signing `publish_delay` seconds from now; older keys retire once their last tokens expired.
pub async fn rotate(db: &Db, publish_delay: i64, token_lifetime: i64) -> Result<String, KeyError> {
    let kid = store_new_key(db, false, publish_delay).await?;
    let retire_at = crate::server::now_unix() + publish_delay + token_lifetime;
    db::keys::retire_others(db, &kid, retire_at).await?;
    Ok(kid)
}

async fn store_new_key(db: &Db, only_if_first: bool, activate_in: i64) -> Result<String, KeyError> {
    let signing = SigningKey::generate(&mut OsRng);
    let pem = signing
        .to_pkcs8_pem(Default::default())
        .map_err(|_| KeyError::Corrupt { kid: "new".into() })?;
    let kid = new_kid();
    db::keys::insert(
        db,
        &StoredKey {
            kid: kid.clone(),
            algorithm: "EdDSA".into(),
            private_pem: pem.to_string(),
            created_at: crate::server::now_unix() + activate_in,
            retired_at: None,
        },
        only_if_first,
    )
    .await?;
    Ok(kid)
}

fn new_kid() -> String {
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A stable kid for a configured key: derived from its public half.
fn kid_for(signing: &SigningKey) -> String {
    URL_SAFE_NO_PAD.encode(&signing.verifying_key().as_bytes()[..12])
}
