//! Where keys come from: configuration (a PEM file or an HMAC secret) or the database, where a
//! first key is generated with the OS CSPRNG on first start. Never a built-in default.

use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::Algorithm;
use rand_core::OsRng;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::keys::{new_kid, random_secret, KeyMaterial, LoadedKey, SigningKeys};
use crate::server::config::{Config, JwtAlgorithm};
use crate::server::db::{self, keys::StoredKey, Db};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read TOKENGATE_JWT_PRIVATE_KEY_FILE {path}: {reason}")]
    File { path: String, reason: String },
    #[error("TOKENGATE_JWT_HS256_SECRET must be at least 32 bytes (256 bits) of random data")]
    WeakSecret,
    #[error(
        "TOKENGATE_JWT_PRIVATE_KEY_FILE is an Ed25519 key: it needs TOKENGATE_JWT_ALGORITHM=EdDSA"
    )]
    Mismatch,
    #[error("stored signing key {kid} is unusable")]
    Corrupt { kid: String },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What the configuration says about keys.
#[derive(Clone)]
pub struct KeySource {
    pub algorithm: JwtAlgorithm,
    pub key_file: Option<PathBuf>,
    pub hs256_secret: Option<SecretString>,
}

impl KeySource {
    pub fn from_config(config: &Config) -> Self {
        Self {
            algorithm: config.jwt_algorithm,
            key_file: config.jwt_private_key_file.clone(),
            hs256_secret: config.jwt_hs256_secret.clone(),
        }
    }

    /// True when keys come from configuration (nothing to reload from the database).
    pub fn is_configured(&self) -> bool {
        match self.algorithm {
            JwtAlgorithm::EdDSA => self.key_file.is_some(),
            JwtAlgorithm::HS256 => self.hs256_secret.is_some(),
        }
    }
}

fn jwt_algorithm(algorithm: JwtAlgorithm) -> Algorithm {
    match algorithm {
        JwtAlgorithm::EdDSA => Algorithm::EdDSA,
        JwtAlgorithm::HS256 => Algorithm::HS256,
    }
}

/// Loads the configured key, or the active keys of the configured algorithm from the
/// database, generating and persisting a first key when there is none.
pub async fn load_or_generate(db: &Db, source: &KeySource) -> Result<SigningKeys, KeyError> {
    let algorithm = jwt_algorithm(source.algorithm);
    if let Some(key) = configured_key(source)? {
        return SigningKeys::from_loaded(algorithm, vec![key]).ok_or(KeyError::Corrupt {
            kid: "configured".into(),
        });
    }
    let name = source.algorithm.as_str();
    let now = crate::server::now_unix();
    let mut stored = db::keys::active(db, name, now).await?;
    if stored.is_empty() {
        // First start: every instance racing here ends up with the same generation-1 key.
        store_new_key(db, source.algorithm, true, 0).await?;
        stored = db::keys::active(db, name, now).await?;
    } else if stored.first().is_some_and(|k| k.retired_at.is_some()) {
        store_new_key(db, source.algorithm, false, 0).await?;
        stored = db::keys::active(db, name, now).await?;
    }
    let mut loaded = Vec::with_capacity(stored.len());
    for key in stored {
        let corrupt = || KeyError::Corrupt {
            kid: key.kid.clone(),
        };
        let material = match source.algorithm {
            JwtAlgorithm::EdDSA => KeyMaterial::Ed25519(
                SigningKey::from_pkcs8_pem(&key.private_pem).map_err(|_| corrupt())?,
            ),
            JwtAlgorithm::HS256 => KeyMaterial::Hmac(
                URL_SAFE_NO_PAD
                    .decode(&key.private_pem)
                    .map_err(|_| corrupt())?,
            ),
        };
        loaded.push(LoadedKey {
            kid: key.kid,
            material,
            active_from: key.created_at,
            retired_at: key.retired_at,
        });
    }
    SigningKeys::from_loaded(algorithm, loaded).ok_or(KeyError::Corrupt { kid: "?".into() })
}

fn configured_key(source: &KeySource) -> Result<Option<LoadedKey>, KeyError> {
    match (source.algorithm, &source.key_file, &source.hs256_secret) {
        (JwtAlgorithm::EdDSA, Some(path), _) => {
            let file_err = |reason: String| KeyError::File {
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read_to_string(path).map_err(|e| file_err(e.to_string()))?;
            let signing = SigningKey::from_pkcs8_pem(&pem)
                .map_err(|_| file_err("not an Ed25519 PKCS#8 PEM private key".into()))?;
            // A stable kid derived from the public half.
            let kid = URL_SAFE_NO_PAD.encode(&signing.verifying_key().as_bytes()[..12]);
            Ok(Some(loaded(kid, KeyMaterial::Ed25519(signing))))
        }
        (JwtAlgorithm::HS256, Some(_), _) => Err(KeyError::Mismatch),
        (JwtAlgorithm::HS256, None, Some(secret)) => {
            let bytes = secret.expose_secret().as_bytes().to_vec();
            if bytes.len() < 32 {
                return Err(KeyError::WeakSecret);
            }
            // A stable kid that reveals nothing about the secret.
            let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(&bytes)[..12]);
            Ok(Some(loaded(kid, KeyMaterial::Hmac(bytes))))
        }
        _ => Ok(None),
    }
}

fn loaded(kid: String, material: KeyMaterial) -> LoadedKey {
    LoadedKey {
        kid,
        material,
        active_from: 0,
        retired_at: None,
    }
}

/// Rotation: a new key that every instance learns (at its next key reload) before it starts
/// signing `publish_delay` seconds from now; older keys retire once their last tokens expired.
pub async fn rotate(
    db: &Db,
    algorithm: JwtAlgorithm,
    publish_delay: i64,
    token_lifetime: i64,
) -> Result<String, KeyError> {
    let kid = store_new_key(db, algorithm, false, publish_delay).await?;
    let retire_at = crate::server::now_unix() + publish_delay + token_lifetime;
    db::keys::retire_others(db, &kid, retire_at).await?;
    Ok(kid)
}

async fn store_new_key(
    db: &Db,
    algorithm: JwtAlgorithm,
    only_if_first: bool,
    activate_in: i64,
) -> Result<String, KeyError> {
    let secret = match algorithm {
        JwtAlgorithm::EdDSA => SigningKey::generate(&mut OsRng)
            .to_pkcs8_pem(Default::default())
            .map_err(|_| KeyError::Corrupt { kid: "new".into() })?
            .to_string(),
        JwtAlgorithm::HS256 => URL_SAFE_NO_PAD.encode(random_secret()),
    };
    let kid = new_kid();
    let key = StoredKey {
        kid: kid.clone(),
        algorithm: algorithm.as_str().to_owned(),
        private_pem: secret,
        created_at: crate::server::now_unix() + activate_in,
        retired_at: None,
    };
    db::keys::insert(db, &key, only_if_first).await?;
    Ok(kid)
}
