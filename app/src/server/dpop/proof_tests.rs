//! Every rule of `verify`, each refusal its own test, with proofs signed here (Ed25519 and
//! P-256 keys of the test's own), and the RFC 7638 thumbprint test vector.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::Signer as _;
use jsonwebtoken::jwk::Jwk;
use rand_core::OsRng;
use serde_json::{json, Value};

use super::*;
use crate::server::dpop::proof_key::thumbprint;

const URL: &str = "https://auth.example/api/me";
const NOW: i64 = 1_800_000_000;

enum Key {
    Ed(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

impl Key {
    fn ed() -> Self {
        Self::Ed(ed25519_dalek::SigningKey::generate(&mut OsRng))
    }

    fn p256() -> Self {
        Self::P256(p256::ecdsa::SigningKey::random(&mut OsRng))
    }

    fn alg(&self) -> &'static str {
        match self {
            Self::Ed(_) => "EdDSA",
            Self::P256(_) => "ES256",
        }
    }

    fn public_jwk(&self) -> Value {
        match self {
            Self::Ed(k) => json!({
                "kty": "OKP", "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(k.verifying_key().as_bytes()),
            }),
            Self::P256(k) => {
                let point = k.verifying_key().to_encoded_point(false);
                json!({
                    "kty": "EC", "crv": "P-256",
                    "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
                    "y": URL_SAFE_NO_PAD.encode(point.y().unwrap()),
                })
            }
        }
    }

    fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = match self {
            Self::Ed(k) => k.sign(input.as_bytes()).to_bytes().to_vec(),
            Self::P256(k) => {
                let sig: p256::ecdsa::Signature =
                    p256::ecdsa::signature::Signer::sign(k, input.as_bytes());
                sig.to_bytes().to_vec()
            }
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn header(&self) -> Value {
        json!({ "typ": "dpop+jwt", "alg": self.alg(), "jwk": self.public_jwk() })
    }
}

fn claims() -> Value {
    json!({ "jti": "j-1", "htm": "GET", "htu": URL, "iat": NOW, "ath": token_hash("tok") })
}

fn target() -> Target<'static> {
    Target {
        method: "GET",
        url: URL,
        access_token: Some("tok"),
    }
}

/// Both paths (signature on this thread; header from the cache and signature in a batch on the
/// batcher's thread), which must agree on every proof, its header kept or not.
fn check(proof: &str) -> Result<VerifiedProof, ProofError> {
    static BATCHER: std::sync::OnceLock<SignatureBatcher> = std::sync::OnceLock::new();
    let batcher = BATCHER.get_or_init(|| SignatureBatcher::start(1).unwrap());
    let keys = ProofKeys::default();
    let here = verify(proof, &target(), NOW);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for round in ["header parsed", "header kept"] {
        let batched = runtime.block_on(verify_batched(proof, &target(), NOW, &keys, batcher));
        assert_eq!(here, batched, "both paths agree ({round})");
    }
    here
}

#[test]
fn an_ed25519_key_of_small_order_is_refused() {
    // The identity point (y = 1): every signature "verifies" against it with s = 0, R = identity.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(identity) });
    let header = json!({ "typ": "dpop+jwt", "alg": "EdDSA", "jwk": jwk });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims().to_string())
    );
    let forged = format!("{input}.{}", URL_SAFE_NO_PAD.encode(identity_signature()));
    assert_eq!(check(&forged), Err(ProofError::Jwk));
}

/// R = the identity point, s = 0.
fn identity_signature() -> [u8; 64] {
    let mut signature = [0u8; 64];
    signature[0] = 1;
    signature
}

#[test]
fn a_good_proof_passes_with_either_algorithm_and_names_its_key() {
    for key in [Key::ed(), Key::p256()] {
        let proof = key.sign(&key.header(), &claims());
        let verified = check(&proof).unwrap();
        let jwk: Jwk = serde_json::from_value(key.public_jwk()).unwrap();
        assert_eq!(verified.jkt, thumbprint(&jwk));
        assert_eq!(verified.jti, "j-1");
        assert_eq!(verified.iat, NOW);
    }
}

#[test]
fn the_thumbprint_is_rfc_7638s() {
    // RFC 7638 §3.1.
    let jwk: Jwk = serde_json::from_value(json!({
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29"
    }))
    .unwrap();
    assert_eq!(
        thumbprint(&jwk),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}

#[test]
fn a_proof_of_another_type_is_refused() {
    let key = Key::ed();
    for typ in [json!("JWT"), json!("at+jwt"), Value::Null] {
        let mut header = key.header();
        header["typ"] = typ;
        assert_eq!(check(&key.sign(&header, &claims())), Err(ProofError::Typ));
    }
}

#[test]
fn symmetric_none_and_rsa_algorithms_are_refused() {
    let key = Key::ed();
    for alg in ["HS256", "none", "RS256", "ES384"] {
        let mut header = key.header();
        header["alg"] = json!(alg);
        let refused = check(&key.sign(&header, &claims())).unwrap_err();
        assert!(
            matches!(refused, ProofError::Alg | ProofError::Malformed),
            "{alg}: {refused:?}"
        );
    }
}

#[test]
fn a_missing_or_mismatched_jwk_is_refused() {
    let key = Key::ed();
    let mut header = key.header();
    header.as_object_mut().unwrap().remove("jwk");
    assert_eq!(check(&key.sign(&header, &claims())), Err(ProofError::Jwk));
    // An Ed25519 key under ES256, a P-256 key under EdDSA, a symmetric key.
    let mut header = key.header();
    header["alg"] = json!("ES256");
    assert_eq!(check(&key.sign(&header, &claims())), Err(ProofError::Jwk));
    let p = Key::p256();
    let mut header = p.header();
    header["alg"] = json!("EdDSA");
    assert_eq!(check(&p.sign(&header, &claims())), Err(ProofError::Jwk));
    let mut header = key.header();
    header["jwk"] = json!({ "kty": "oct", "k": "c2VjcmV0" });
    assert_eq!(check(&key.sign(&header, &claims())), Err(ProofError::Jwk));
    // An EC key claiming the Ed25519 curve (jsonwebtoken's thumbprint would panic on it).
    let mut header = p.header();
    header["jwk"]["crv"] = json!("Ed25519");
    assert_eq!(check(&p.sign(&header, &claims())), Err(ProofError::Jwk));
}

#[test]
fn a_jwk_with_private_key_material_is_refused() {
    let key = Key::ed();
    let mut header = key.header();
    header["jwk"]["d"] = json!(URL_SAFE_NO_PAD.encode([7u8; 32]));
    assert_eq!(
        check(&key.sign(&header, &claims())),
        Err(ProofError::PrivateKey)
    );
}

#[test]
fn a_proof_signed_by_another_key_is_refused() {
    let (key, other) = (Key::ed(), Key::ed());
    let proof = other.sign(&key.header(), &claims());
    assert_eq!(check(&proof), Err(ProofError::Signature));
    let mut tampered = key.sign(&key.header(), &claims());
    tampered.push('A');
    assert_eq!(check(&tampered), Err(ProofError::Signature));
}

#[test]
fn a_proof_for_another_method_is_refused() {
    let key = Key::ed();
    let mut c = claims();
    c["htm"] = json!("POST");
    assert_eq!(check(&key.sign(&key.header(), &c)), Err(ProofError::Htm));
    c.as_object_mut().unwrap().remove("htm");
    assert_eq!(check(&key.sign(&key.header(), &c)), Err(ProofError::Htm));
}

#[test]
fn a_proof_for_another_url_is_refused_and_query_and_fragment_are_ignored() {
    let key = Key::ed();
    for other in [
        "https://auth.example/api/account",
        "http://auth.example/api/me",
        "https://evil.example/api/me",
    ] {
        let mut c = claims();
        c["htu"] = json!(other);
        assert_eq!(
            check(&key.sign(&key.header(), &c)),
            Err(ProofError::Htu),
            "{other}"
        );
    }
    let mut c = claims();
    c["htu"] = json!(format!("{URL}?x=1#top"));
    assert!(check(&key.sign(&key.header(), &c)).is_ok());
}

#[test]
fn a_stale_or_future_proof_is_refused() {
    let key = Key::ed();
    for iat in [NOW - MAX_AGE_SECS - 1, NOW + MAX_FUTURE_SECS + 1] {
        let mut c = claims();
        c["iat"] = json!(iat);
        assert_eq!(
            check(&key.sign(&key.header(), &c)),
            Err(ProofError::Iat),
            "{iat}"
        );
    }
    for iat in [NOW - MAX_AGE_SECS, NOW + MAX_FUTURE_SECS] {
        let mut c = claims();
        c["iat"] = json!(iat);
        assert!(check(&key.sign(&key.header(), &c)).is_ok(), "{iat}");
    }
}

#[test]
fn ath_must_be_the_hash_of_the_token_presented() {
    let key = Key::ed();
    let mut c = claims();
    c["ath"] = json!(token_hash("another token"));
    assert_eq!(check(&key.sign(&key.header(), &c)), Err(ProofError::Ath));
    c.as_object_mut().unwrap().remove("ath");
    assert_eq!(check(&key.sign(&key.header(), &c)), Err(ProofError::Ath));
    // Without an access token (login, refresh) there must be no ath.
    let login = Target {
        method: "GET",
        url: URL,
        access_token: None,
    };
    assert!(verify(&key.sign(&key.header(), &c), &login, NOW).is_ok());
    assert_eq!(
        verify(&key.sign(&key.header(), &claims()), &login, NOW),
        Err(ProofError::Ath)
    );
}

#[test]
fn a_proof_without_a_jti_is_refused() {
    let key = Key::ed();
    let mut c = claims();
    c["jti"] = json!("");
    assert_eq!(check(&key.sign(&key.header(), &c)), Err(ProofError::Jti));
    c.as_object_mut().unwrap().remove("jti");
    assert_eq!(check(&key.sign(&key.header(), &c)), Err(ProofError::Jti));
}

#[test]
fn garbage_is_malformed_never_a_panic() {
    for junk in ["", "a.b", "a.b.c", "....", &"x".repeat(MAX_PROOF_BYTES + 1)] {
        assert!(check(junk).is_err(), "{junk}");
    }
}
