//! The four signing algorithms: each verifies only its own tokens, publishes the JWK RFC 7518 /
//! RFC 8037 describe, and survives the trip through the key store's stored form.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rsa::pkcs1::EncodeRsaPublicKey as _;
use rsa::pkcs8::{EncodePublicKey as _, LineEnding};
use serde_json::json;

use super::{b64, now, parts, policy, rejection, subject, verify_both};
use crate::server::config::JwtAlgorithm;
use crate::server::tokens::key_store::{
    configured_key, decode_private_key, encode_private_key, KeyError, KeySource,
};
use crate::server::tokens::keys::{new_kid, LoadedKey};
use crate::server::tokens::material::{KeyMaterial, RSA_BITS};
use crate::server::tokens::{
    issue_access_token, AccessClaims, PublicKeyParams, SigningKeys, TokenError, ACCESS_TOKEN_TYP,
};

const ALGORITHMS: [JwtAlgorithm; 4] = [
    JwtAlgorithm::EdDSA,
    JwtAlgorithm::ES256,
    JwtAlgorithm::RS256,
    JwtAlgorithm::HS256,
];

/// One RSA key for the whole test binary: generating one takes seconds in a debug build.
fn rsa_key() -> &'static rsa::RsaPrivateKey {
    static KEY: OnceLock<rsa::RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| rsa::RsaPrivateKey::new(&mut rand_core::OsRng, RSA_BITS).unwrap())
}

fn material(algorithm: JwtAlgorithm) -> KeyMaterial {
    match algorithm {
        JwtAlgorithm::RS256 => KeyMaterial::Rsa(Box::new(rsa_key().clone())),
        other => KeyMaterial::generate(other).unwrap(),
    }
}

fn key_set_with(kid: &str, material: KeyMaterial) -> SigningKeys {
    let algorithm = material.algorithm();
    let key = LoadedKey {
        kid: kid.to_owned(),
        material,
        active_from: 0,
        retired_at: None,
    };
    SigningKeys::from_loaded(algorithm, vec![key]).unwrap()
}

fn key_set(algorithm: JwtAlgorithm) -> SigningKeys {
    key_set_with(&new_kid(), material(algorithm))
}

fn token(keys: &SigningKeys) -> String {
    issue_access_token(keys, &policy(), subject(), now())
        .unwrap()
        .0
}

/// A token with `keys`' kid and claims, HMAC-signed with `secret`.
fn hs256_forgery(keys: &SigningKeys, secret: &[u8]) -> String {
    let (_, claims) = issue_access_token(keys, &policy(), subject(), now()).unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some(ACCESS_TOKEN_TYP.into());
    header.kid = Some(keys.signer().kid.clone());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// The members of the one published JWK.
fn published_members(keys: &SigningKeys) -> (serde_json::Value, BTreeSet<String>) {
    let jwks = serde_json::to_value(keys.public_jwks()).unwrap();
    assert_eq!(jwks.as_array().unwrap().len(), 1, "{jwks}");
    let jwk = jwks[0].clone();
    let members = jwk.as_object().unwrap().keys().cloned().collect();
    (jwk, members)
}

fn members(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| name.to_string()).collect()
}

fn decoded_len(value: &serde_json::Value) -> usize {
    URL_SAFE_NO_PAD
        .decode(value.as_str().unwrap())
        .unwrap()
        .len()
}

/// Verifies `token` with nothing but a decoding key built from the JWKS entry.
fn verifies_with(token: &str, key: &DecodingKey, algorithm: Algorithm) -> bool {
    let mut validation = Validation::new(algorithm);
    validation.set_audience(&["tokengate"]);
    validation.set_issuer(&["tokengate"]);
    jsonwebtoken::decode::<AccessClaims>(token, key, &validation).is_ok()
}

#[test]
fn every_algorithm_verifies_the_tokens_it_issues() {
    for algorithm in ALGORITHMS {
        let keys = key_set(algorithm);
        let (token, claims) = issue_access_token(&keys, &policy(), subject(), now()).unwrap();
        assert_eq!(parts(&token).0["alg"], algorithm.as_str());
        assert_eq!(verify_both(&keys, &policy(), &token), Ok(claims));
    }
}

#[test]
fn every_algorithm_refuses_the_tokens_of_every_other() {
    let sets = ALGORITHMS.map(|algorithm| (algorithm, key_set(algorithm)));
    for (issued_as, issuer) in &sets {
        let token = token(issuer);
        for (verified_as, verifier) in sets.iter().filter(|(a, _)| a != issued_as) {
            assert_eq!(
                rejection(verifier, &token),
                TokenError::AlgorithmNotAllowed,
                "{issued_as:?} token, {verified_as:?} key set"
            );
        }
    }
}

#[test]
fn es256_signature_relabelled_rs256_fails_the_rsa_signature_check() {
    let ec = key_set(JwtAlgorithm::ES256);
    let rsa = key_set(JwtAlgorithm::RS256);
    let (mut header, payload, signature) = parts(&token(&ec));
    header["alg"] = json!("RS256");
    header["kid"] = json!(rsa.signer().kid);
    let forged = format!("{}.{}.{}", b64(&header), b64(&payload), signature);
    assert!(matches!(rejection(&rsa, &forged), TokenError::Invalid(_)));
}

#[test]
fn hs256_token_keyed_with_the_rsa_public_key_is_refused() {
    let keys = key_set(JwtAlgorithm::RS256);
    let public = rsa_key().to_public_key();
    let spki_pem = public.to_public_key_pem(LineEnding::LF).unwrap();
    let pkcs1_pem = public.to_pkcs1_pem(LineEnding::LF).unwrap();
    let jwk = serde_json::to_string(&keys.public_jwks()[0]).unwrap();
    for secret in [spki_pem.as_bytes(), pkcs1_pem.as_bytes(), jwk.as_bytes()] {
        let forged = hs256_forgery(&keys, secret);
        assert_eq!(rejection(&keys, &forged), TokenError::AlgorithmNotAllowed);
    }
}

#[test]
fn hs256_token_keyed_with_the_ec_public_key_is_refused() {
    let keys = key_set(JwtAlgorithm::ES256);
    let jwk = serde_json::to_string(&keys.public_jwks()[0]).unwrap();
    let forged = hs256_forgery(&keys, jwk.as_bytes());
    assert_eq!(rejection(&keys, &forged), TokenError::AlgorithmNotAllowed);
}

#[test]
fn es256_key_is_published_as_an_ec_p256_jwk_that_verifies_its_tokens() {
    let keys = key_set(JwtAlgorithm::ES256);
    let (jwk, names) = published_members(&keys);
    assert_eq!(
        names,
        members(&["kty", "crv", "x", "y", "alg", "use", "kid"])
    );
    assert_eq!(
        (&jwk["kty"], &jwk["crv"], &jwk["alg"], &jwk["use"]),
        (
            &json!("EC"),
            &json!("P-256"),
            &json!("ES256"),
            &json!("sig")
        )
    );
    assert_eq!(jwk["kid"], keys.signer().kid.as_str());
    assert_eq!((decoded_len(&jwk["x"]), decoded_len(&jwk["y"])), (32, 32));
    let (x, y) = (jwk["x"].as_str().unwrap(), jwk["y"].as_str().unwrap());
    let published = DecodingKey::from_ec_components(x, y).unwrap();
    assert!(verifies_with(&token(&keys), &published, Algorithm::ES256));
}

#[test]
fn rs256_key_is_published_as_an_rsa_jwk_that_verifies_its_tokens() {
    let keys = key_set(JwtAlgorithm::RS256);
    let (jwk, names) = published_members(&keys);
    assert_eq!(names, members(&["kty", "n", "e", "alg", "use", "kid"]));
    assert_eq!(
        (&jwk["kty"], &jwk["alg"], &jwk["use"], &jwk["e"]),
        (
            &json!("RSA"),
            &json!("RS256"),
            &json!("sig"),
            &json!("AQAB")
        )
    );
    assert_eq!(jwk["kid"], keys.signer().kid.as_str());
    // RFC 7518 §6.3.1.1: the modulus in full, without a leading zero octet.
    assert_eq!(decoded_len(&jwk["n"]), RSA_BITS / 8);
    let (n, e) = (jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap());
    let published = DecodingKey::from_rsa_components(n, e).unwrap();
    assert!(verifies_with(&token(&keys), &published, Algorithm::RS256));
}

/// Exactly these members and values, nothing more (JSON objects are unordered: since the
/// JWKS is serialized by jsonwebtoken's `Jwk`, `use`, `alg` and `kid` come first).
#[test]
fn eddsa_jwk_keeps_its_exact_members() {
    let keys = SigningKeys::ephemeral();
    let jwk = &keys.public_jwks()[0];
    let PublicKeyParams::Ed25519 { x } = &jwk.key else {
        panic!("an EdDSA key set publishes an OKP key");
    };
    let expected = serde_json::json!({
        "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": jwk.kid, "x": x,
    });
    assert_eq!(serde_json::to_value(jwk).unwrap(), expected);
    // And it parses back as the key jsonwebtoken verifies with.
    let parsed: jsonwebtoken::jwk::Jwk = serde_json::from_value(expected).unwrap();
    assert!(jsonwebtoken::DecodingKey::from_jwk(&parsed).is_ok());
}

#[test]
fn stored_private_keys_round_trip_and_sign_for_the_original() {
    for algorithm in ALGORITHMS {
        let original = material(algorithm);
        let stored = encode_private_key(&original).unwrap();
        if algorithm != JwtAlgorithm::HS256 {
            assert!(
                stored.starts_with("-----BEGIN PRIVATE KEY-----\n"),
                "{stored}"
            );
        }

        let decoded = decode_private_key(algorithm, &stored).expect("decodes as stored");

        assert_eq!(encode_private_key(&decoded).as_ref(), Some(&stored));
        let signed_by_decoded = token(&key_set_with("k1", decoded));
        let original_keys = key_set_with("k1", original);
        assert!(verify_both(&original_keys, &policy(), &signed_by_decoded).is_ok());
    }
}

#[test]
fn a_stored_key_does_not_decode_as_another_algorithm() {
    let asymmetric = [
        JwtAlgorithm::EdDSA,
        JwtAlgorithm::ES256,
        JwtAlgorithm::RS256,
    ];
    for stored_as in asymmetric {
        let stored = encode_private_key(&material(stored_as)).unwrap();
        for wanted in asymmetric.iter().filter(|&&wanted| wanted != stored_as) {
            assert!(
                decode_private_key(*wanted, &stored).is_none(),
                "{stored_as:?} key read as {wanted:?}"
            );
        }
    }
}

#[test]
fn rsa_key_below_2048_bits_is_refused() {
    let weak = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 1024).unwrap();
    let stored = encode_private_key(&KeyMaterial::Rsa(Box::new(weak))).unwrap();
    assert!(decode_private_key(JwtAlgorithm::RS256, &stored).is_none());
}

#[test]
fn key_set_refuses_material_of_another_algorithm() {
    let key = LoadedKey {
        kid: new_kid(),
        material: material(JwtAlgorithm::ES256),
        active_from: 0,
        retired_at: None,
    };
    assert!(SigningKeys::from_loaded(Algorithm::RS256, vec![key]).is_none());
}

#[test]
fn configured_key_file_loads_with_a_stable_kid_for_its_algorithm_only() {
    let pem = encode_private_key(&material(JwtAlgorithm::ES256)).unwrap();
    let path = std::env::temp_dir().join(format!("tokengate-test-{}.pem", new_kid()));
    std::fs::write(&path, pem).unwrap();
    let source = |algorithm| KeySource {
        algorithm,
        key_file: Some(path.clone()),
        hs256_secret: None,
    };

    let first = configured_key(&source(JwtAlgorithm::ES256));
    let again = configured_key(&source(JwtAlgorithm::ES256));
    let as_rsa = configured_key(&source(JwtAlgorithm::RS256));
    std::fs::remove_file(&path).unwrap();

    let (first, again) = (first.unwrap().unwrap(), again.unwrap().unwrap());
    assert_eq!(first.kid, again.kid);
    assert_eq!(first.material.algorithm(), Algorithm::ES256);
    assert!(matches!(as_rsa, Err(KeyError::File { .. })));
}
