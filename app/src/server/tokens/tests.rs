use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use super::*;

mod algorithms;

pub(super) fn policy() -> TokenPolicy {
    TokenPolicy {
        issuer: "tokengate".into(),
        audience: "tokengate".into(),
        ttl_secs: 900,
        leeway_secs: 5,
    }
}

pub(super) fn now() -> i64 {
    crate::server::now_unix()
}

pub(super) fn subject() -> Subject<'static> {
    Subject {
        user_id: "6f1c0000-0000-4000-8000-000000000001",
        username: "alice",
        role: "user",
        session_id: "s1",
        amr: "pwd",
        dpop_jkt: None,
    }
}

fn b64(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// Splits a valid token into (header json, payload json, signature).
fn parts(token: &str) -> (serde_json::Value, serde_json::Value, String) {
    let mut it = token.split('.');
    let h = URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap();
    let p = URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap();
    let s = it.next().unwrap().to_owned();
    (
        serde_json::from_slice(&h).unwrap(),
        serde_json::from_slice(&p).unwrap(),
        s,
    )
}

fn rejection(keys: &SigningKeys, token: &str) -> TokenError {
    verify_both(keys, &policy(), token).expect_err("token must be rejected")
}

/// [`verify_access_token`], after checking that the batched path (the signature checked on a
/// verification thread, see `batch`) gives the same answer: the same claims for a token that
/// verifies, a refusal for one that does not, for the same reason unless the token has several
/// faults (the batched path reads the claims before the signature).
pub(super) fn verify_both(
    keys: &SigningKeys,
    policy: &TokenPolicy,
    token: &str,
) -> Result<AccessClaims, TokenError> {
    static BATCHER: std::sync::OnceLock<SignatureBatcher> = std::sync::OnceLock::new();
    let batcher = BATCHER.get_or_init(|| SignatureBatcher::start(1).expect("a thread starts"));
    let single = verify_access_token(keys, policy, token);
    let batched = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(verify_with_kid_batched(keys, policy, token, batcher))
        .map(|(claims, _)| claims);
    match (&single, &batched) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(TokenError::Invalid(_)), Err(TokenError::Invalid(_))) => {}
        (Err(a), Err(b)) => assert_eq!(a, b, "{token}"),
        _ => panic!("single {single:?} but batched {batched:?} for {token}"),
    }
    single
}

#[test]
fn issued_token_verifies_and_carries_the_user() {
    let keys = SigningKeys::ephemeral();
    let (token, claims) = issue_access_token(&keys, &policy(), subject(), now()).unwrap();
    let verified = verify_both(&keys, &policy(), &token).unwrap();
    assert_eq!(verified, claims);
    assert_eq!(verified.username, "alice");
    assert_eq!(verified.exp - verified.iat, 900);
    let (header, _, _) = parts(&token);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["kid"], keys.signer().kid.as_str());
}

#[test]
fn token_from_another_key_set_is_rejected() {
    let ours = SigningKeys::ephemeral();
    let theirs = SigningKeys::ephemeral();
    let (token, _) = issue_access_token(&theirs, &policy(), subject(), now()).unwrap();
    assert_eq!(rejection(&ours, &token), TokenError::UnknownKey);
}

#[test]
fn same_kid_with_a_different_key_fails_the_signature() {
    let ours = SigningKeys::ephemeral();
    let theirs = SigningKeys::ephemeral();
    let (token, _) = issue_access_token(&theirs, &policy(), subject(), now()).unwrap();
    let (mut header, payload, sig) = parts(&token);
    header["kid"] = json!(ours.signer().kid);
    let forged = format!("{}.{}.{}", b64(&header), b64(&payload), sig);
    assert!(matches!(rejection(&ours, &forged), TokenError::Invalid(_)));
}

#[test]
fn tampered_payload_is_rejected() {
    let keys = SigningKeys::ephemeral();
    let (token, _) = issue_access_token(&keys, &policy(), subject(), now()).unwrap();
    let (header, mut payload, sig) = parts(&token);
    payload["role"] = json!("admin");
    let forged = format!("{}.{}.{}", b64(&header), b64(&payload), sig);
    assert!(matches!(rejection(&keys, &forged), TokenError::Invalid(_)));
}

#[test]
fn alg_none_and_stripped_signature_are_rejected() {
    let keys = SigningKeys::ephemeral();
    let (token, _) = issue_access_token(&keys, &policy(), subject(), now()).unwrap();
    let (mut header, payload, _) = parts(&token);
    let stripped = format!("{}.{}.", b64(&header), b64(&payload));
    assert!(matches!(
        rejection(&keys, &stripped),
        TokenError::Invalid(_)
    ));
    header["alg"] = json!("none");
    let none = format!("{}.{}.", b64(&header), b64(&payload));
    assert_eq!(rejection(&keys, &none), TokenError::Malformed);
}

#[test]
fn hs256_signed_with_the_public_key_is_rejected() {
    let keys = SigningKeys::ephemeral();
    let PublicKeyParams::Ed25519 { x: public_x } = keys.public_jwks()[0].key.clone() else {
        panic!("an EdDSA key set publishes an OKP key");
    };
    let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
    header.typ = Some(ACCESS_TOKEN_TYP.into());
    header.kid = Some(keys.signer().kid.clone());
    let (_, claims) = issue_access_token(&keys, &policy(), subject(), now()).unwrap();
    let forged = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_secret(public_x.as_bytes()),
    )
    .unwrap();
    assert_eq!(rejection(&keys, &forged), TokenError::AlgorithmNotAllowed);
}

#[test]
fn wrong_typ_is_rejected() {
    let keys = SigningKeys::ephemeral();
    let (_, claims) = issue_access_token(&keys, &policy(), subject(), now()).unwrap();
    let mut header = Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(keys.signer().kid.clone());
    header.typ = Some("JWT".into());
    let token = jsonwebtoken::encode(&header, &claims, &keys.signer().encoding).unwrap();
    assert_eq!(rejection(&keys, &token), TokenError::WrongType);
}

#[test]
fn external_key_references_are_rejected() {
    let keys = SigningKeys::ephemeral();
    let (_, claims) = issue_access_token(&keys, &policy(), subject(), now()).unwrap();
    let mut header = Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(keys.signer().kid.clone());
    header.typ = Some(ACCESS_TOKEN_TYP.into());
    header.jku = Some("https://attacker.example/jwks.json".into());
    let token = jsonwebtoken::encode(&header, &claims, &keys.signer().encoding).unwrap();
    assert_eq!(rejection(&keys, &token), TokenError::ExternalKeyReference);
}

#[test]
fn expired_token_is_rejected_beyond_the_leeway() {
    let keys = SigningKeys::ephemeral();
    let issued_at = now() - 900 - 6;
    let (token, _) = issue_access_token(&keys, &policy(), subject(), issued_at).unwrap();
    assert!(matches!(rejection(&keys, &token), TokenError::Invalid(k) if k.contains("Expired")));
}

#[test]
fn token_within_the_leeway_still_verifies() {
    let keys = SigningKeys::ephemeral();
    let issued_at = now() - 900 - 2;
    let (token, _) = issue_access_token(&keys, &policy(), subject(), issued_at).unwrap();
    assert!(verify_both(&keys, &policy(), &token).is_ok());
}

#[test]
fn not_yet_valid_token_is_rejected() {
    let keys = SigningKeys::ephemeral();
    let (token, _) = issue_access_token(&keys, &policy(), subject(), now() + 60).unwrap();
    assert!(
        matches!(rejection(&keys, &token), TokenError::Invalid(k) if k.contains("ImmatureSignature"))
    );
}

#[test]
fn wrong_issuer_or_audience_is_rejected() {
    let keys = SigningKeys::ephemeral();
    let other = TokenPolicy {
        issuer: "someone-else".into(),
        ..policy()
    };
    let (token, _) = issue_access_token(&keys, &other, subject(), now()).unwrap();
    assert!(
        matches!(rejection(&keys, &token), TokenError::Invalid(k) if k.contains("InvalidIssuer"))
    );
    let other = TokenPolicy {
        audience: "another-api".into(),
        ..policy()
    };
    let (token, _) = issue_access_token(&keys, &other, subject(), now()).unwrap();
    assert!(
        matches!(rejection(&keys, &token), TokenError::Invalid(k) if k.contains("InvalidAudience"))
    );
}

#[test]
fn garbage_is_rejected_without_panicking() {
    let keys = SigningKeys::ephemeral();
    for garbage in [
        "",
        "abc",
        "a.b.c",
        "....",
        "eyJ.eyJ.sig",
        "\u{fffd}.\u{0}.x",
        "%%%.%%%.%%%",
    ] {
        assert!(
            verify_both(&keys, &policy(), garbage).is_err(),
            "{garbage:?}"
        );
    }
}

#[test]
fn oversized_token_is_rejected_before_parsing() {
    let keys = SigningKeys::ephemeral();
    let huge = "a".repeat(MAX_TOKEN_BYTES + 1);
    assert_eq!(rejection(&keys, &huge), TokenError::TooLarge);
}

#[test]
fn hs256_key_set_issues_and_verifies_and_publishes_nothing() {
    let keys = SigningKeys::ephemeral_hs256();
    let (token, claims) = issue_access_token(&keys, &policy(), subject(), now()).unwrap();
    assert_eq!(parts(&token).0["alg"], "HS256");
    assert_eq!(verify_both(&keys, &policy(), &token).unwrap(), claims);
    assert!(keys.public_jwks().is_empty());
}

#[test]
fn tokens_of_the_other_algorithm_are_refused_both_ways() {
    let hmac = SigningKeys::ephemeral_hs256();
    let ed = SigningKeys::ephemeral();
    let (hs_token, _) = issue_access_token(&hmac, &policy(), subject(), now()).unwrap();
    let (ed_token, _) = issue_access_token(&ed, &policy(), subject(), now()).unwrap();
    assert_eq!(rejection(&ed, &hs_token), TokenError::AlgorithmNotAllowed);
    assert_eq!(rejection(&hmac, &ed_token), TokenError::AlgorithmNotAllowed);
}
