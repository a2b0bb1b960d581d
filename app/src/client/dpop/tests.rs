use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::*;

fn token_with(claims: &str) -> String {
    format!("h.{}.s", URL_SAFE_NO_PAD.encode(claims))
}

#[test]
fn encodes_base64url_exactly_like_the_base64_crate() {
    let samples: [&[u8]; 7] = [
        b"",
        b"f",
        b"fo",
        b"foo",
        b"foob",
        b"fooba",
        &[0xfb, 0xff, 0xfe],
    ];
    for bytes in samples {
        assert_eq!(base64url(bytes), URL_SAFE_NO_PAD.encode(bytes), "{bytes:?}");
    }
}

#[test]
fn the_target_is_origin_and_path_without_query_or_fragment() {
    let origin = "http://localhost:3000";
    assert_eq!(
        target(origin, "/api/me?x=1"),
        ("http://localhost:3000/api/me".into(), "/api/me".into())
    );
    assert_eq!(
        target(origin, "http://localhost:3000/api/auth/login#f"),
        (
            "http://localhost:3000/api/auth/login".into(),
            "/api/auth/login".into()
        )
    );
    assert_eq!(
        target(origin, "https://api.example.com"),
        ("https://api.example.com".into(), "/".into())
    );
}

#[test]
fn token_requests_get_a_proof_without_the_stored_token() {
    let bound = token_with(r#"{"sub":"u","cnf":{"jkt":"abc"}}"#);
    for path in TOKEN_REQUEST_PATHS {
        assert_eq!(
            ProofPlan::for_request(path, Some(bound.clone())),
            ProofPlan::TokenRequest
        );
        assert_eq!(ProofPlan::for_request(path, None), ProofPlan::TokenRequest);
    }
}

#[test]
fn a_bound_token_goes_as_dpop_and_an_unbound_one_as_bearer() {
    let bound = token_with(r#"{"sub":"u","cnf":{"jkt":"abc"}}"#);
    let unbound = token_with(r#"{"sub":"u"}"#);
    assert_eq!(
        ProofPlan::for_request("/api/me", Some(bound.clone())),
        ProofPlan::Bound(bound)
    );
    assert_eq!(
        ProofPlan::for_request("/api/me", Some(unbound.clone())),
        ProofPlan::Bearer(unbound)
    );
    assert_eq!(
        ProofPlan::for_request("/api/me", Some("garbage".into())),
        ProofPlan::Bearer("garbage".into())
    );
    assert_eq!(
        ProofPlan::for_request("/api/auth/logout", None),
        ProofPlan::Anonymous
    );
}

#[test]
fn claims_carry_ath_only_with_a_token() {
    let without = proof_claims("j", "POST", "http://h/api/auth/login", 7, None);
    assert_eq!(
        without,
        serde_json::json!({"jti":"j","htm":"POST","htu":"http://h/api/auth/login","iat":7})
    );
    let with = proof_claims("j", "GET", "http://h/api/me", 7, Some("hash"));
    assert_eq!(with["ath"], "hash");
}

#[test]
fn the_signing_input_is_two_base64url_json_segments() {
    let header = proof_header(
        "EdDSA",
        serde_json::json!({"kty":"OKP","crv":"Ed25519","x":"k"}),
    );
    let claims = proof_claims("j", "POST", "http://h/p", 1, None);
    let input = signing_input(&header, &claims);
    let (h, c) = input.split_once('.').unwrap();
    let h: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap();
    let c: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).unwrap()).unwrap();
    assert_eq!(h["typ"], "dpop+jwt");
    assert_eq!(h["jwk"]["crv"], "Ed25519");
    assert_eq!(c, claims);
}

#[cfg(feature = "ssr")]
#[test]
fn every_token_request_path_is_a_post_server_function() {
    let registered: Vec<_> = leptos::server_fn::axum::server_fn_paths().collect();
    for path in TOKEN_REQUEST_PATHS {
        assert!(
            registered
                .iter()
                .any(|(p, method)| *p == path && method.as_str() == "POST"),
            "{path} is not a POST server function"
        );
    }
}
