//! One public key as `/.well-known/jwks.json` publishes it: OKP for Ed25519 (RFC 8037), EC
//! P-256 and RSA (RFC 7518 §6). Coordinates and integers are base64url without padding.

use serde::ser::{Serialize, SerializeMap, Serializer};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicJwk {
    pub kid: String,
    pub key: PublicKeyParams,
}

/// The key-type specific members of a JWK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKeyParams {
    Ed25519 { x: String },
    P256 { x: String, y: String },
    Rsa { n: String, e: String },
}

impl PublicJwk {
    pub fn kty(&self) -> &'static str {
        match self.key {
            PublicKeyParams::Ed25519 { .. } => "OKP",
            PublicKeyParams::P256 { .. } => "EC",
            PublicKeyParams::Rsa { .. } => "RSA",
        }
    }

    /// The curve, for key types that have one.
    pub fn crv(&self) -> Option<&'static str> {
        match self.key {
            PublicKeyParams::Ed25519 { .. } => Some("Ed25519"),
            PublicKeyParams::P256 { .. } => Some("P-256"),
            PublicKeyParams::Rsa { .. } => None,
        }
    }

    /// The one algorithm this key is for (RFC 8725: a key is bound to one algorithm).
    pub fn alg(&self) -> &'static str {
        match self.key {
            PublicKeyParams::Ed25519 { .. } => "EdDSA",
            PublicKeyParams::P256 { .. } => "ES256",
            PublicKeyParams::Rsa { .. } => "RS256",
        }
    }
}

/// Members in a fixed order: `kty`, `crv`, `alg`, `use`, `kid`, then the key itself (the order
/// the Ed25519 entries have always had).
impl Serialize for PublicJwk {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("kty", self.kty())?;
        if let Some(crv) = self.crv() {
            map.serialize_entry("crv", crv)?;
        }
        map.serialize_entry("alg", self.alg())?;
        map.serialize_entry("use", "sig")?;
        map.serialize_entry("kid", &self.kid)?;
        match &self.key {
            PublicKeyParams::Ed25519 { x } => map.serialize_entry("x", x)?,
            PublicKeyParams::P256 { x, y } => {
                map.serialize_entry("x", x)?;
                map.serialize_entry("y", y)?;
            }
            PublicKeyParams::Rsa { n, e } => {
                map.serialize_entry("n", n)?;
                map.serialize_entry("e", e)?;
            }
        }
        map.end()
    }
}
