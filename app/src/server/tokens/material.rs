//! The secret half of one signing key, per algorithm: generated with the OS CSPRNG, and turned
//! into what `jsonwebtoken` signs and verifies with plus, for the asymmetric ones, the public JWK.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use rand_core::{OsRng, RngCore};
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::pkcs8::EncodePrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use rsa::RsaPrivateKey;

use super::jwk::PublicKeyParams;
use crate::server::config::JwtAlgorithm;

/// Modulus size of generated RSA keys, and the smallest one accepted from a file or the database.
/// Not 3072: measured on 2 loaded cores, generation takes a median 0.4 s at 2048 bits against
/// 1.1 s (up to 5 s) at 3072 in release builds, and ~6 s at 2048 in debug builds already.
pub const RSA_BITS: usize = 2048;

/// Secret key material of one key; the variant is the one algorithm it may be used with.
pub enum KeyMaterial {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
    Rsa(Box<RsaPrivateKey>),
    /// At least 32 bytes.
    Hmac(Vec<u8>),
}

/// What `jsonwebtoken` needs for one key, and the public half to publish (none for HMAC).
pub struct JwtKeys {
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    pub public: Option<PublicKeyParams>,
}

impl KeyMaterial {
    /// A new key for `algorithm` from the OS CSPRNG. RSA takes up to seconds: call it off the
    /// async runtime.
    pub fn generate(algorithm: JwtAlgorithm) -> Option<Self> {
        Some(match algorithm {
            JwtAlgorithm::EdDSA => Self::Ed25519(ed25519_dalek::SigningKey::generate(&mut OsRng)),
            JwtAlgorithm::ES256 => Self::P256(p256::ecdsa::SigningKey::random(&mut OsRng)),
            JwtAlgorithm::RS256 => {
                Self::Rsa(Box::new(RsaPrivateKey::new(&mut OsRng, RSA_BITS).ok()?))
            }
            JwtAlgorithm::HS256 => Self::Hmac(random_secret()),
        })
    }

    /// The one algorithm this key signs and verifies with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::Ed25519(_) => Algorithm::EdDSA,
            Self::P256(_) => Algorithm::ES256,
            Self::Rsa(_) => Algorithm::RS256,
            Self::Hmac(_) => Algorithm::HS256,
        }
    }

    /// `None` if the material cannot be encoded (it never happens for generated keys).
    pub fn jwt_keys(&self) -> Option<JwtKeys> {
        let keys = match self {
            Self::Ed25519(signing) => {
                let x = b64(signing.verifying_key().as_bytes());
                let der = signing.to_pkcs8_der().ok()?;
                JwtKeys {
                    encoding: EncodingKey::from_ed_der(der.as_bytes()),
                    decoding: DecodingKey::from_ed_components(&x).ok()?,
                    public: Some(PublicKeyParams::Ed25519 { x }),
                }
            }
            Self::P256(signing) => {
                let point = signing.verifying_key().to_encoded_point(false);
                let (x, y) = (b64(point.x()?), b64(point.y()?));
                let der = signing.to_pkcs8_der().ok()?;
                JwtKeys {
                    encoding: EncodingKey::from_ec_der(der.as_bytes()),
                    decoding: DecodingKey::from_ec_components(&x, &y).ok()?,
                    public: Some(PublicKeyParams::P256 { x, y }),
                }
            }
            Self::Rsa(private) => {
                let (n, e) = (private.n().to_bytes_be(), private.e().to_bytes_be());
                // jsonwebtoken signs with PKCS#1 DER (it has no PKCS#8 path for RSA).
                let der = private.to_pkcs1_der().ok()?;
                JwtKeys {
                    encoding: EncodingKey::from_rsa_der(der.as_bytes()),
                    decoding: DecodingKey::from_rsa_raw_components(&n, &e),
                    public: Some(PublicKeyParams::Rsa {
                        n: b64(&n),
                        e: b64(&e),
                    }),
                }
            }
            Self::Hmac(secret) => JwtKeys {
                encoding: EncodingKey::from_secret(secret),
                decoding: DecodingKey::from_secret(secret),
                public: None,
            },
        };
        Some(keys)
    }
}

/// 256 bits from the OS CSPRNG.
pub fn random_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}
