//! One public key as `/.well-known/jwks.json` publishes it: OKP for Ed25519 (RFC 8037), EC
//! P-256 and RSA (RFC 7518 §6), each bound to its one algorithm and `"use": "sig"`. The members
//! are jsonwebtoken's own `Jwk` (the crate that verifies the tokens also defines their keys'
//! JSON); coordinates and integers are base64url without padding.

use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk, KeyAlgorithm, OctetKeyPairParameters, OctetKeyPairType,
    PublicKeyUse, RSAKeyParameters, RSAKeyType,
};
use serde::{Serialize, Serializer};

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
    /// The key as jsonwebtoken models a JWK.
    pub fn to_jwk(&self) -> Jwk {
        // The one algorithm this key is for (RFC 8725: a key is bound to one algorithm).
        let (algorithm, key_algorithm) = match &self.key {
            PublicKeyParams::Ed25519 { x } => (
                AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
                    key_type: OctetKeyPairType::OctetKeyPair,
                    curve: EllipticCurve::Ed25519,
                    x: x.clone(),
                }),
                KeyAlgorithm::EdDSA,
            ),
            PublicKeyParams::P256 { x, y } => (
                AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                    key_type: EllipticCurveKeyType::EC,
                    curve: EllipticCurve::P256,
                    x: x.clone(),
                    y: y.clone(),
                }),
                KeyAlgorithm::ES256,
            ),
            PublicKeyParams::Rsa { n, e } => (
                AlgorithmParameters::RSA(RSAKeyParameters {
                    key_type: RSAKeyType::RSA,
                    n: n.clone(),
                    e: e.clone(),
                }),
                KeyAlgorithm::RS256,
            ),
        };
        Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(key_algorithm),
                key_id: Some(self.kid.clone()),
                ..CommonParameters::default()
            },
            algorithm,
        }
    }
}

impl Serialize for PublicJwk {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_jwk().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_key_type_publishes_the_members_rfc_7517_names() {
        let ed = PublicJwk {
            kid: "k1".into(),
            key: PublicKeyParams::Ed25519 { x: "AAA".into() },
        };
        assert_eq!(
            serde_json::to_value(&ed).unwrap(),
            json!({ "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": "k1", "x": "AAA" })
        );
        let ec = PublicJwk {
            kid: "k2".into(),
            key: PublicKeyParams::P256 {
                x: "X".into(),
                y: "Y".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&ec).unwrap(),
            json!({ "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "k2", "x": "X", "y": "Y" })
        );
        let rsa = PublicJwk {
            kid: "k3".into(),
            key: PublicKeyParams::Rsa {
                n: "N".into(),
                e: "AQAB".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&rsa).unwrap(),
            json!({ "kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k3", "n": "N", "e": "AQAB" })
        );
    }
}
