//! Hostile `DPoP` proofs on a token request (login with the right password, so that the proof
//! is what decides) and on protected calls, and `Authorization: DPoP` with what is not a bound
//! token and its proof.

use serde_json::json;

use crate::common::dpop::{claims, now_unix, ProofKey, MAX_PROOF_BYTES, PROOF_TYP};
use crate::common::http::{request, with_header};
use crate::common::{assert_alive, Server};
use crate::{answered, assert_dpop_refusal, bound_login, credentials, expect_status, sign_up};

fn key(seed: u8) -> ProofKey {
    ProofKey::from_seed([seed; 32])
}

/// A login of `username` with the right password and these `DPoP` header values.
fn login_with_proofs(username: &str, proofs: &[&[u8]]) -> Vec<u8> {
    let mut bytes = request("POST", "/api/auth/login", Some(&credentials(username)));
    for proof in proofs.iter().rev() {
        bytes = with_header(bytes, "DPoP", proof);
    }
    bytes
}

/// Each proof, alone on a correct login, is a 401 `invalid_dpop_proof`.
async fn all_refused_at_login(server: &Server, username: &str, proofs: &[(&str, Vec<u8>)]) {
    for (case, proof) in proofs {
        let bytes = login_with_proofs(username, &[proof]);
        assert_dpop_refusal(server, case, &bytes, "invalid_dpop_proof").await;
    }
}

#[tokio::test]
async fn proofs_that_are_no_jws_are_401_invalid_dpop_proof() {
    let server = Server::start().await;
    let account = sign_up(&server, "alice").await;
    let htu = format!("{}/api/auth/login", server.public_origin());
    let valid = key(1).proof("POST", &htu, None, "j1");
    // The standard alphabet differs from base64url only in `-` and `_`: a proof without either
    // (its signature varies with the port and `iat`) would be sent unchanged and accepted.
    let url_safe = (1..)
        .map(|i| key(1).proof("POST", &htu, None, &format!("j{i}")))
        .find(|proof| proof.contains(['-', '_']))
        .expect("a proof with - or _");
    let depth = 1000;
    let bomb = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let proofs = [
        ("empty", Vec::new()),
        ("one space", b" ".to_vec()),
        ("two dots", b"a.b.c".to_vec()),
        ("five segments", b"a.b.c.d.e".to_vec()),
        ("not UTF-8", b"\xff\xfe.\xff.\xff".to_vec()),
        (
            "standard base64",
            url_safe.replace('-', "+").replace('_', "/").into_bytes(),
        ),
        ("padded base64", valid.replacen('.', "==.", 1).into_bytes()),
        (
            "a nesting bomb as header",
            key(1).sign_raw(bomb.as_bytes(), b"{}").into_bytes(),
        ),
        (
            "a nesting bomb as claims",
            key(1)
                .sign_raw(key(1).header().to_string().as_bytes(), bomb.as_bytes())
                .into_bytes(),
        ),
        ("header null", key(1).sign_raw(b"null", b"{}").into_bytes()),
    ];
    all_refused_at_login(&server, &account.username, &proofs).await;
}

#[tokio::test]
async fn a_proof_past_4096_bytes_is_401_and_past_the_64_kib_head_is_a_bare_431() {
    let server = Server::start().await;
    let account = sign_up(&server, "alice").await;
    let htu = format!("{}/api/auth/login", server.public_origin());
    // A valid proof padded with a claim: still signed, only too long.
    let mut long_claims = claims("POST", &htu, None, "j1", now_unix());
    long_claims["pad"] = json!("p".repeat(MAX_PROOF_BYTES));
    let long = key(1).sign(&key(1).header(), &long_claims).into_bytes();
    all_refused_at_login(&server, &account.username, &[("4 KiB + 1", long)]).await;

    let huge = vec![b'A'; 70 * 1024];
    let bytes = login_with_proofs(&account.username, &[&huge]);
    let response = answered(&server, &bytes).await;
    // hyper refuses the head before any handler: no JSON body to give.
    expect_status(&server, "a 70 KiB DPoP header", &response, 431).await;
    assert!(response.body.is_empty(), "{:?}", response.body);
    assert_alive(&server, "a 70 KiB DPoP header").await;
}

#[tokio::test]
async fn several_dpop_headers_are_401_invalid_dpop_proof_even_when_each_is_valid() {
    let server = Server::start().await;
    let account = sign_up(&server, "alice").await;
    let htu = format!("{}/api/auth/login", server.public_origin());
    let proofs: Vec<String> = (0..40)
        .map(|i| key(1).proof("POST", &htu, None, &format!("j{i}")))
        .collect();
    for count in [2, 40] {
        let values: Vec<&[u8]> = proofs[..count].iter().map(|p| p.as_bytes()).collect();
        let bytes = login_with_proofs(&account.username, &values);
        let case = format!("{count} DPoP headers");
        assert_dpop_refusal(&server, &case, &bytes, "invalid_dpop_proof").await;
    }
}

#[tokio::test]
async fn a_jwk_with_its_private_key_or_of_another_type_or_curve_is_401() {
    let server = Server::start().await;
    let account = sign_up(&server, "alice").await;
    let htu = format!("{}/api/auth/login", server.public_origin());
    let k = key(1);
    let proof = |alg: &str, jwk: serde_json::Value, jti: &str| {
        let header = json!({ "typ": PROOF_TYP, "alg": alg, "jwk": jwk });
        k.sign(&header, &claims("POST", &htu, None, jti, now_unix()))
            .into_bytes()
    };
    let x = k.public_jwk()["x"].clone();
    let proofs = [
        ("private d", proof("EdDSA", k.private_jwk(), "j1")),
        (
            "RSA for EdDSA",
            proof(
                "EdDSA",
                json!({ "kty": "RSA", "n": "AQAB", "e": "AQAB" }),
                "j2",
            ),
        ),
        (
            "oct for HS256",
            proof("HS256", json!({ "kty": "oct", "k": "c2VjcmV0" }), "j3"),
        ),
        (
            "X25519",
            proof(
                "EdDSA",
                json!({ "kty": "OKP", "crv": "X25519", "x": x }),
                "j4",
            ),
        ),
        (
            "OKP on P-256",
            proof(
                "EdDSA",
                json!({ "kty": "OKP", "crv": "P-256", "x": x }),
                "j5",
            ),
        ),
        (
            "EC on Ed25519",
            proof(
                "ES256",
                json!({ "kty": "EC", "crv": "Ed25519", "x": x, "y": x }),
                "j6",
            ),
        ),
        (
            "EC off the curve",
            proof(
                "ES256",
                json!({ "kty": "EC", "crv": "P-256", "x": x, "y": x }),
                "j7",
            ),
        ),
        ("Ed25519 for ES256", proof("ES256", k.public_jwk(), "j8")),
        (
            "a 3-byte x",
            proof(
                "EdDSA",
                json!({ "kty": "OKP", "crv": "Ed25519", "x": "AAAA" }),
                "j9",
            ),
        ),
        ("no jwk", proof("EdDSA", json!(null), "j10")),
        ("alg none", proof("none", k.public_jwk(), "j11")),
    ];
    all_refused_at_login(&server, &account.username, &proofs).await;
}

#[tokio::test]
async fn odd_iats_and_proofs_for_another_request_are_401_invalid_dpop_proof() {
    let server = Server::start().await;
    let account = sign_up(&server, "alice").await;
    let origin = server.public_origin();
    let htu = format!("{origin}/api/auth/login");
    let k = key(1);
    let now = now_unix();
    let with_iat = |iat: &str, jti: &str| {
        let claims = format!(r#"{{"jti":"{jti}","htm":"POST","htu":"{htu}","iat":{iat}}}"#);
        k.sign_raw(k.header().to_string().as_bytes(), claims.as_bytes())
            .into_bytes()
    };
    let signed = |method: &str, url: &str, iat: i64, jti: &str| {
        k.sign(&k.header(), &claims(method, url, None, jti, iat))
            .into_bytes()
    };
    let proofs = [
        ("iat 1e300", with_iat("1e300", "j1")),
        ("iat i64::MAX", with_iat("9223372036854775807", "j2")),
        ("iat i64::MIN", with_iat("-9223372036854775808", "j3")),
        ("iat past u64", with_iat("18446744073709551616", "j4")),
        ("iat a string", with_iat("\"now\"", "j5")),
        ("iat a float", with_iat(&format!("{now}.5"), "j6")),
        ("stale", signed("POST", &htu, now - 120, "j7")),
        ("from the future", signed("POST", &htu, now + 60, "j8")),
        ("for GET", signed("GET", &htu, now, "j9")),
        (
            "for another path",
            signed("POST", &format!("{origin}/api/auth/signup"), now, "j10"),
        ),
        (
            "for another origin",
            signed("POST", "http://evil.example/api/auth/login", now, "j11"),
        ),
        ("with an ath", {
            let claims = claims("POST", &htu, Some("a token"), "j12", now);
            k.sign(&k.header(), &claims).into_bytes()
        }),
        ("typ JWT", {
            let header = json!({ "typ": "JWT", "alg": "EdDSA", "jwk": k.public_jwk() });
            k.sign(&header, &claims("POST", &htu, None, "j13", now))
                .into_bytes()
        }),
        (
            "no jti",
            k.sign(
                &k.header(),
                &json!({ "htm": "POST", "htu": htu, "iat": now }),
            )
            .into_bytes(),
        ),
    ];
    all_refused_at_login(&server, &account.username, &proofs).await;
    // A proof signed by another key than its jwk's.
    let header = json!({ "typ": PROOF_TYP, "alg": "EdDSA", "jwk": key(2).public_jwk() });
    let forged = k
        .sign(&header, &claims("POST", &htu, None, "j14", now))
        .into_bytes();
    all_refused_at_login(&server, &account.username, &[("another key's jwk", forged)]).await;
}

#[tokio::test]
async fn a_bad_proof_at_sign_up_is_401_and_leaves_no_account_behind() {
    let server = Server::start().await;
    let signup = request("POST", "/api/auth/signup", Some(&credentials("bob")));
    let bytes = with_header(signup.clone(), "DPoP", b"a.b.c");
    assert_dpop_refusal(
        &server,
        "sign-up with a bad proof",
        &bytes,
        "invalid_dpop_proof",
    )
    .await;
    let htu = format!("{}/api/auth/signup", server.public_origin());
    let proof = key(1).proof("POST", &htu, None, "j1");
    let retry = answered(&server, &with_header(signup, "DPoP", proof.as_bytes())).await;
    expect_status(&server, "the same sign-up with a good proof", &retry, 201).await;
    assert_eq!(retry.json().unwrap()["token_type"], "DPoP");
}

#[tokio::test]
async fn authorization_dpop_without_a_bound_token_and_its_proof_is_401() {
    let server = Server::start().await;
    let account = sign_up(&server, "alice").await;
    let k = key(1);
    let bound = bound_login(&server, &account, &k).await;
    let htu = format!("{}/api/me", server.public_origin());
    let me = |authorization: &str, proof: Option<String>| {
        let bytes = with_header(
            request("GET", "/api/me", None),
            "Authorization",
            authorization.as_bytes(),
        );
        match proof {
            Some(proof) => with_header(bytes, "DPoP", proof.as_bytes()),
            None => bytes,
        }
    };
    let good = |jti: &str| Some(k.proof("GET", &htu, Some(&bound), jti));
    let invalid_token = [
        ("garbage", me("DPoP garbage", good("j1"))),
        ("a JWS that is no token", me("DPoP a.b.c", None)),
        (
            "the unbound token",
            me(&format!("DPoP {}", account.access_token), None),
        ),
        (
            "the bound token as Bearer",
            me(&format!("Bearer {bound}"), good("j2")),
        ),
    ];
    for (case, bytes) in &invalid_token {
        assert_dpop_refusal(&server, case, bytes, "invalid_token").await;
    }
    let dpop = format!("DPoP {bound}");
    let thief = key(2).proof("GET", &htu, Some(&bound), "j3");
    let invalid_proof = [
        ("no proof", me(&dpop, None)),
        ("another key's proof", me(&dpop, Some(thief))),
        (
            "a proof without ath",
            me(&dpop, Some(k.proof("GET", &htu, None, "j4"))),
        ),
        (
            "a proof for POST",
            me(&dpop, Some(k.proof("POST", &htu, Some(&bound), "j5"))),
        ),
        (
            "a proof that is no JWS",
            me(&dpop, Some("a.b.c".to_owned())),
        ),
    ];
    for (case, bytes) in &invalid_proof {
        assert_dpop_refusal(&server, case, bytes, "invalid_dpop_proof").await;
    }
    // The real thing answers; the same proof again is a replay.
    let once = me(&dpop, good("j6"));
    let response = answered(&server, &once).await;
    expect_status(&server, "the bound token with its proof", &response, 200).await;
    assert_dpop_refusal(&server, "the proof replayed", &once, "invalid_dpop_proof").await;
}

#[tokio::test]
async fn a_bare_dpop_scheme_is_401_invalid_token_with_the_bearer_challenge() {
    let server = Server::start().await;
    for value in ["DPoP", "DPoP ", "DPoPx token"] {
        let bytes = with_header(
            request("GET", "/api/me", None),
            "Authorization",
            value.as_bytes(),
        );
        let response = answered(&server, &bytes).await;
        let challenge = response.header("www-authenticate");
        let answer = (response.status, response.error_code(), challenge);
        let bearer = Some("Bearer error=\"invalid_token\"");
        let expected = (401, Some("invalid_token".to_owned()), bearer);
        assert_eq!(answer, expected, "Authorization: {value:?}");
        assert_alive(&server, value).await;
    }
}

#[tokio::test]
async fn a_refresh_with_a_bad_proof_is_401_invalid_dpop_proof() {
    let server = Server::start().await;
    let account = sign_up(&server, "alice").await;
    let refresh = request("POST", "/api/auth/refresh", Some("{}"));
    let refresh = with_header(refresh, "Cookie", account.refresh_cookie.as_bytes());
    let nested = format!("{}1{}", r#"{"a":"#.repeat(600), "}".repeat(600));
    for (case, proof) in [
        ("no JWS", b"x".to_vec()),
        (
            "nested claims",
            key(1)
                .sign_raw(key(1).header().to_string().as_bytes(), nested.as_bytes())
                .into_bytes(),
        ),
        ("for the login URL", {
            let htu = format!("{}/api/auth/login", server.public_origin());
            key(1).proof("POST", &htu, None, "j1").into_bytes()
        }),
    ] {
        let bytes = with_header(refresh.clone(), "DPoP", &proof);
        assert_dpop_refusal(&server, case, &bytes, "invalid_dpop_proof").await;
    }
}
