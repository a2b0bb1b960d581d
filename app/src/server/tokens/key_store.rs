//! Where keys come from: configuration (a PEM file or an HMAC secret) or the database, where a
//! first key is generated with the OS CSPRNG on first start. Never a built-in default.
//! Stored and configured private keys are PKCS#8 PEM; a stored HMAC secret is base64url. A
//! configured HMAC secret is encoded random bytes, never a passphrase: HS256 has no key
//! stretching, so a guessable secret lets anyone who holds one token forge others offline.

use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::Algorithm;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::traits::PublicKeyParts as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::keys::{new_kid, LoadedKey, SigningKeys};
use super::material::{KeyMaterial, RSA_BITS};
use crate::server::config::{Config, JwtAlgorithm};
use crate::server::db::files::{decode_encoded_key, read_key_file, warn_if_shared};
use crate::server::db::keys::{StoredKey, StoredKeyError};
use crate::server::db::{self, Db};

/// The shortest configured HMAC secret, in decoded bytes (RFC 7518: at least the hash size).
const MIN_HS256_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read TOKENGATE_JWT_PRIVATE_KEY_FILE {path}: {reason}")]
    File { path: String, reason: String },
    #[error(
        "{variable} must be at least 32 random bytes, base64-encoded (e.g. from `openssl rand -base64 32`); a passphrase is not accepted"
    )]
    WeakSecret { variable: &'static str },
    #[error("cannot read TOKENGATE_JWT_HS256_SECRET_FILE {path}: {reason}")]
    SecretFile { path: String, reason: String },
    #[error("set TOKENGATE_JWT_HS256_SECRET or TOKENGATE_JWT_HS256_SECRET_FILE, not both")]
    AmbiguousSecret,
    #[error(
        "TOKENGATE_JWT_PRIVATE_KEY_FILE is for EdDSA, ES256 or RS256; HS256 takes TOKENGATE_JWT_HS256_SECRET(_FILE)"
    )]
    Mismatch,
    #[error("stored signing key {kid} is unusable")]
    Corrupt { kid: String },
    #[error("cannot generate a signing key")]
    Generation,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Stored(#[from] StoredKeyError),
}

/// What the configuration says about keys.
#[derive(Clone)]
pub struct KeySource {
    pub algorithm: JwtAlgorithm,
    pub key_file: Option<PathBuf>,
    pub hs256_secret: Option<Hs256Secret>,
}

/// Where a configured HMAC secret comes from.
#[derive(Clone)]
pub enum Hs256Secret {
    /// `TOKENGATE_JWT_HS256_SECRET`.
    Value(SecretString),
    /// `TOKENGATE_JWT_HS256_SECRET_FILE`.
    File(PathBuf),
    /// Both were set: refused rather than silently preferring one.
    Ambiguous,
}

impl KeySource {
    pub fn from_config(config: &Config) -> Self {
        Self {
            algorithm: config.jwt_algorithm,
            key_file: config.jwt_private_key_file.clone(),
            hs256_secret: match (&config.jwt_hs256_secret, &config.jwt_hs256_secret_file) {
                (Some(value), None) => Some(Hs256Secret::Value(value.clone())),
                (None, Some(path)) => Some(Hs256Secret::File(path.clone())),
                (Some(_), Some(_)) => Some(Hs256Secret::Ambiguous),
                (None, None) => None,
            },
        }
    }

    /// True when keys come from configuration (nothing to reload from the database).
    pub fn is_configured(&self) -> bool {
        match self.algorithm {
            JwtAlgorithm::EdDSA | JwtAlgorithm::ES256 | JwtAlgorithm::RS256 => {
                self.key_file.is_some()
            }
            JwtAlgorithm::HS256 => self.hs256_secret.is_some(),
        }
    }
}

fn jwt_algorithm(algorithm: JwtAlgorithm) -> Algorithm {
    match algorithm {
        JwtAlgorithm::EdDSA => Algorithm::EdDSA,
        JwtAlgorithm::ES256 => Algorithm::ES256,
        JwtAlgorithm::RS256 => Algorithm::RS256,
        JwtAlgorithm::HS256 => Algorithm::HS256,
    }
}

/// The `private_pem` column: PKCS#8 PEM for the asymmetric keys, base64url for an HMAC secret.
pub(super) fn encode_private_key(material: &KeyMaterial) -> Option<String> {
    let pem = match material {
        KeyMaterial::Ed25519(key) => key.to_pkcs8_pem(Default::default()),
        KeyMaterial::P256(key) => key.to_pkcs8_pem(Default::default()),
        KeyMaterial::Rsa(key) => key.to_pkcs8_pem(Default::default()),
        KeyMaterial::Hmac(secret) => return Some(URL_SAFE_NO_PAD.encode(secret)),
    };
    pem.ok().map(|pem| pem.to_string())
}

/// Reads a stored or configured key as `algorithm` wants it: a key of any other type (an EC
/// PEM where RSA is configured, say) or an RSA key below [`RSA_BITS`] is `None`.
pub(super) fn decode_private_key(algorithm: JwtAlgorithm, text: &str) -> Option<KeyMaterial> {
    match algorithm {
        JwtAlgorithm::EdDSA => ed25519_dalek::SigningKey::from_pkcs8_pem(text)
            .ok()
            .map(KeyMaterial::Ed25519),
        JwtAlgorithm::ES256 => p256::ecdsa::SigningKey::from_pkcs8_pem(text)
            .ok()
            .map(KeyMaterial::P256),
        JwtAlgorithm::RS256 => rsa::RsaPrivateKey::from_pkcs8_pem(text)
            .ok()
            .filter(|key| key.n().bits() >= RSA_BITS)
            .map(|key| KeyMaterial::Rsa(Box::new(key))),
        JwtAlgorithm::HS256 => URL_SAFE_NO_PAD.decode(text).ok().map(KeyMaterial::Hmac),
    }
}

/// Loads the configured key, or the active keys of the configured algorithm from the
/// database, generating and persisting a first key when there is none.
pub async fn load_signing_keys(db: &Db, source: &KeySource) -> Result<SigningKeys, KeyError> {
    let algorithm = jwt_algorithm(source.algorithm);
    if let Some(key) = configured_key(source)? {
        return SigningKeys::from_loaded(algorithm, vec![key]).ok_or(KeyError::Corrupt {
            kid: "configured".into(),
        });
    }
    // Keys stored before a KEK was configured are sealed now (and a wrong KEK stops here).
    db::keys::seal_plaintext(db).await?;
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
        let material =
            decode_private_key(source.algorithm, &key.private_pem).ok_or_else(corrupt)?;
        loaded.push(LoadedKey {
            kid: key.kid,
            material,
            active_from: key.signs_from,
            retired_at: key.retired_at,
        });
    }
    SigningKeys::from_loaded(algorithm, loaded).ok_or(KeyError::Corrupt { kid: "?".into() })
}

pub(super) fn configured_key(source: &KeySource) -> Result<Option<LoadedKey>, KeyError> {
    match (source.algorithm, &source.key_file, &source.hs256_secret) {
        (JwtAlgorithm::HS256, Some(_), _) => Err(KeyError::Mismatch),
        (algorithm, Some(path), _) => {
            let file_err = |reason: String| KeyError::File {
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read_to_string(path).map_err(|e| file_err(e.to_string()))?;
            warn_if_shared(path, "TOKENGATE_JWT_PRIVATE_KEY_FILE", "600");
            let material = decode_private_key(algorithm, &pem).ok_or_else(|| {
                file_err(format!("not a {} private key", expected_key(algorithm)))
            })?;
            let kid = stable_kid(&material);
            Ok(Some(loaded(kid, material)))
        }
        (JwtAlgorithm::HS256, None, Some(secret)) => {
            let material = KeyMaterial::Hmac(hs256_secret_bytes(secret)?);
            // A stable kid that reveals nothing about the secret.
            Ok(Some(loaded(stable_kid(&material), material)))
        }
        _ => Ok(None),
    }
}

/// The decoded bytes of a configured HMAC secret: they, not the text, are the HMAC key.
fn hs256_secret_bytes(secret: &Hs256Secret) -> Result<Vec<u8>, KeyError> {
    let (text, variable) = match secret {
        Hs256Secret::Value(value) => (value.clone(), "TOKENGATE_JWT_HS256_SECRET"),
        Hs256Secret::File(path) => {
            let variable = "TOKENGATE_JWT_HS256_SECRET_FILE";
            let text = read_key_file(path, variable).map_err(|e| KeyError::SecretFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            (text, variable)
        }
        Hs256Secret::Ambiguous => return Err(KeyError::AmbiguousSecret),
    };
    decode_encoded_key(text.expose_secret())
        .map(|bytes| bytes.expose_secret().to_vec())
        .filter(|bytes| bytes.len() >= MIN_HS256_SECRET_BYTES)
        .ok_or(KeyError::WeakSecret { variable })
}

fn expected_key(algorithm: JwtAlgorithm) -> &'static str {
    match algorithm {
        JwtAlgorithm::EdDSA => "Ed25519 PKCS#8 PEM",
        JwtAlgorithm::ES256 => "P-256 PKCS#8 PEM",
        JwtAlgorithm::RS256 => "PKCS#8 PEM RSA (at least 2048-bit)",
        JwtAlgorithm::HS256 => "HS256",
    }
}

/// A kid derived from the public half of a configured key, the same on every instance and
/// restart. (Ed25519 keeps its original form: the first 12 bytes of the public key.)
fn stable_kid(material: &KeyMaterial) -> String {
    let digest = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(&Sha256::digest(bytes)[..12]);
    match material {
        KeyMaterial::Ed25519(key) => URL_SAFE_NO_PAD.encode(&key.verifying_key().as_bytes()[..12]),
        KeyMaterial::P256(key) => digest(key.verifying_key().to_encoded_point(false).as_bytes()),
        KeyMaterial::Rsa(key) => digest(&[key.n().to_bytes_be(), key.e().to_bytes_be()].concat()),
        KeyMaterial::Hmac(secret) => digest(secret),
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
pub async fn rotate_signing_key(
    db: &Db,
    algorithm: JwtAlgorithm,
    publish_delay: i64,
    token_lifetime: i64,
) -> Result<String, KeyError> {
    // Checks the KEK against the stored keys before a new key is sealed with it.
    db::keys::seal_plaintext(db).await?;
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
    // RSA generation takes up to seconds of CPU: not on the async runtime's threads.
    let secret = tokio::task::spawn_blocking(move || {
        KeyMaterial::generate(algorithm).and_then(|material| encode_private_key(&material))
    })
    .await
    .ok()
    .flatten()
    .ok_or(KeyError::Generation)?;
    let kid = new_kid();
    let key = StoredKey {
        kid: kid.clone(),
        algorithm: algorithm.as_str().to_owned(),
        private_pem: secret,
        signs_from: crate::server::now_unix() + activate_in,
        retired_at: None,
    };
    db::keys::insert(db, &key, only_if_first).await?;
    Ok(kid)
}
