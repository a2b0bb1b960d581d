//! Sender-constrained tokens (issue 17, RFC 9449): proofs made here with a key of the test's
//! own. A bound token is worthless without the key: as Bearer, without a proof, with another
//! key's proof, with a replayed, stale or misdirected proof; its session refreshes only with the
//! key. `TOKENGATE_DPOP` turns it off or makes it required.

mod token_requests;

use reqwest::header::{COOKIE, WWW_AUTHENTICATE};
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::dpop::DpopKey;
use crate::helpers::sessions::{session_from, Session};
use crate::helpers::{assert_error, json_with_status, send, Backend, TestServer};
use crate::tokens::segment;

const PASSWORD: &str = "correct horse";

fn credentials() -> Value {
    json!({ "username": "alice", "password": PASSWORD })
}

/// Signs alice up with a proof by `key`.
async fn bound_signup(server: &TestServer, key: &DpopKey) -> Session {
    let proof = key.proof("POST", &server.htu("/api/auth/signup"), None);
    let response = server
        .post_with_proof("/api/auth/signup", &credentials(), &proof)
        .await;
    session_from(response, 201).await
}

async fn me_with(server: &TestServer, key: &DpopKey, token: &str) -> Response {
    let proof = key.proof("GET", &server.htu("/api/me"), Some(token));
    server
        .get_with("/api/me", "DPoP", token, Some(&proof))
        .await
}

async fn refresh_with(server: &TestServer, session: &Session, proof: Option<&str>) -> Response {
    let mut request = server
        .client
        .post(server.url("/api/auth/refresh"))
        .header(COOKIE, format!("tg_refresh={}", session.refresh_token))
        .json(&json!({}));
    if let Some(proof) = proof {
        request = request.header("dpop", proof);
    }
    send(request).await
}

async fn assert_challenge(response: Response, code: &str) {
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        challenge.starts_with(&format!("DPoP error=\"{code}\"")),
        "{challenge}"
    );
    assert_error(response, 401, code).await;
}

async fn a_proof_at_sign_up_binds_the_tokens_to_the_key(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let key = DpopKey::new();

    let session = bound_signup(&server, &key).await;

    assert_eq!(session.body["token_type"], "DPoP");
    let claims = segment(&session.access_token, 1);
    assert_eq!(claims["cnf"], json!({ "jkt": key.thumbprint() }));
    let me = me_with(&server, &key, &session.access_token).await;
    assert_eq!(json_with_status(me, 200).await["username"], "alice");
    // And so does a login.
    let proof = key.proof("POST", &server.htu("/api/auth/login"), None);
    let login = server
        .post_with_proof("/api/auth/login", &credentials(), &proof)
        .await;
    let login = session_from(login, 200).await;
    assert_eq!(login.body["token_type"], "DPoP");
}

async fn a_bound_token_is_refused_as_bearer_or_without_a_proof(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let key = DpopKey::new();
    let token = bound_signup(&server, &key).await.access_token;

    let bearer = server.me(&token).await;
    assert_challenge(bearer, "invalid_token").await;
    let bearer_with_proof = server
        .get_with(
            "/api/me",
            "Bearer",
            &token,
            Some(&key.proof("GET", &server.htu("/api/me"), Some(&token))),
        )
        .await;
    assert_challenge(bearer_with_proof, "invalid_token").await;
    let no_proof = server.get_with("/api/me", "DPoP", &token, None).await;
    assert_challenge(no_proof, "invalid_dpop_proof").await;
    // The session endpoints, which check the database too, refuse the same way.
    let sessions = server.get_bearer("/api/auth/sessions", &token).await;
    assert_challenge(sessions, "invalid_token").await;
}

async fn another_keys_proof_is_refused(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let key = DpopKey::new();
    let token = bound_signup(&server, &key).await.access_token;

    let thief = DpopKey::new();
    let response = me_with(&server, &thief, &token).await;

    assert_challenge(response, "invalid_dpop_proof").await;
}

async fn a_replayed_proof_is_refused(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let key = DpopKey::new();
    let token = bound_signup(&server, &key).await.access_token;
    let proof = key.proof("GET", &server.htu("/api/me"), Some(&token));

    let first = server
        .get_with("/api/me", "DPoP", &token, Some(&proof))
        .await;
    json_with_status(first, 200).await;
    let replayed = server
        .get_with("/api/me", "DPoP", &token, Some(&proof))
        .await;

    assert_challenge(replayed, "invalid_dpop_proof").await;
}

async fn a_proof_for_another_request_or_a_stale_one_is_refused(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let key = DpopKey::new();
    let token = bound_signup(&server, &key).await.access_token;

    let cases = [
        key.proof("POST", &server.htu("/api/me"), Some(&token)),
        key.proof("GET", &server.htu("/api/account"), Some(&token)),
        key.proof("GET", "http://evil.example/api/me", Some(&token)),
        key.proof("GET", &server.htu("/api/me"), Some("another token")),
        key.proof("GET", &server.htu("/api/me"), None),
        key.proof_aged("GET", &server.htu("/api/me"), Some(&token), 120),
        key.proof_aged("GET", &server.htu("/api/me"), Some(&token), -60),
        "not.a.proof".to_owned(),
    ];
    for proof in cases {
        let response = server
            .get_with("/api/me", "DPoP", &token, Some(&proof))
            .await;
        assert_challenge(response, "invalid_dpop_proof").await;
    }
}

async fn a_bound_session_refreshes_only_with_its_key(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let key = DpopKey::new();
    let session = bound_signup(&server, &key).await;
    let htu = server.htu("/api/auth/refresh");

    let without = refresh_with(&server, &session, None).await;
    assert_challenge(without, "invalid_dpop_proof").await;
    let thief = DpopKey::new();
    let stolen = refresh_with(&server, &session, Some(&thief.proof("POST", &htu, None))).await;
    assert_challenge(stolen, "invalid_dpop_proof").await;

    // The refused attempts did not rotate the owner's cookie out.
    let owner = refresh_with(&server, &session, Some(&key.proof("POST", &htu, None))).await;
    let refreshed = session_from(owner, 200).await;
    assert_eq!(refreshed.body["token_type"], "DPoP");
    assert_eq!(
        segment(&refreshed.access_token, 1)["cnf"]["jkt"],
        key.thumbprint()
    );
    json_with_status(me_with(&server, &key, &refreshed.access_token).await, 200).await;
    // Both refusals are in the account's activity.
    let events = server
        .get_with(
            "/api/account/events",
            "DPoP",
            &refreshed.access_token,
            Some(&key.proof(
                "GET",
                &server.htu("/api/account/events"),
                Some(&refreshed.access_token),
            )),
        )
        .await;
    let events = json_with_status(events, 200).await;
    let refused = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "dpop_refused")
        .count();
    assert_eq!(refused, 2);
}

async fn without_a_proof_tokens_stay_bearer_in_optional_mode(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let session = server.signup_session("alice", PASSWORD).await;

    assert_eq!(session.body["token_type"], "Bearer");
    assert!(segment(&session.access_token, 1).get("cnf").is_none());
    json_with_status(server.me(&session.access_token).await, 200).await;
    // An unbound token sent as DPoP is refused.
    let key = DpopKey::new();
    let response = me_with(&server, &key, &session.access_token).await;
    assert_challenge(response, "invalid_token").await;
}

async fn required_mode_issues_no_bearer_tokens(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[("TOKENGATE_DPOP", "required")]).await;

    let refused = server.signup("alice", PASSWORD).await;
    assert_challenge(refused, "invalid_dpop_proof").await;
    let key = DpopKey::new();
    let session = bound_signup(&server, &key).await;
    assert_eq!(session.body["token_type"], "DPoP");
    json_with_status(me_with(&server, &key, &session.access_token).await, 200).await;
}

async fn off_mode_ignores_proofs(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[("TOKENGATE_DPOP", "off")]).await;
    let key = DpopKey::new();

    let session = bound_signup(&server, &key).await;

    assert_eq!(session.body["token_type"], "Bearer");
    assert!(segment(&session.access_token, 1).get("cnf").is_none());
    json_with_status(server.me(&session.access_token).await, 200).await;
}

async fn a_bad_proof_at_login_is_a_401_never_a_5xx(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signup_session("alice", PASSWORD).await;
    let key = DpopKey::new();
    let wrong_url = key.proof("POST", &server.htu("/api/auth/signup"), None);
    for proof in ["garbage".to_owned(), "a.b.c".to_owned(), wrong_url] {
        let response = server
            .post_with_proof("/api/auth/login", &credentials(), &proof)
            .await;
        assert_challenge(response, "invalid_dpop_proof").await;
    }
    let proof = key.proof("POST", &server.htu("/api/auth/login"), None);
    let two = server
        .client
        .post(server.url("/api/auth/login"))
        .json(&credentials())
        .header("dpop", &proof)
        .header("dpop", &proof);
    assert_challenge(send(two).await, "invalid_dpop_proof").await;
}

/// A proof "signed" by the identity point (an Ed25519 key of small order): R = identity, s = 0
/// passes the signature equation for any message, with no private key at all.
fn small_order_proof(method: &str, url: &str, token: Option<&str>) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(identity) });
    let iat = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut claims =
        json!({ "jti": format!("forged-{iat}"), "htm": method, "htu": url, "iat": iat });
    if let Some(token) = token {
        claims["ath"] = json!(URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes())));
    }
    let header = json!({ "typ": "dpop+jwt", "alg": "EdDSA", "jwk": jwk });
    let mut signature = [0u8; 64];
    signature[0] = 1;
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

async fn a_proof_by_a_small_order_key_is_refused(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signup_session("alice", PASSWORD).await;

    let forged = small_order_proof("POST", &server.htu("/api/auth/login"), None);
    let login = server
        .post_with_proof("/api/auth/login", &credentials(), &forged)
        .await;

    assert_challenge(login, "invalid_dpop_proof").await;
    // A bound token's request (its proof checked in a batch) refuses it the same way.
    let key = DpopKey::new();
    let proof = key.proof("POST", &server.htu("/api/auth/login"), None);
    let login = server
        .post_with_proof("/api/auth/login", &credentials(), &proof)
        .await;
    let token = session_from(login, 200).await.access_token;
    let forged = small_order_proof("GET", &server.htu("/api/me"), Some(&token));
    let me = server
        .get_with("/api/me", "DPoP", &token, Some(&forged))
        .await;
    assert_challenge(me, "invalid_dpop_proof").await;
}

async fn a_bound_session_passes_step_up_with_one_proof(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let key = DpopKey::new();
    let token = bound_signup(&server, &key).await.access_token;

    // These check the live session and then the password: the one proof counts once.
    for path in [
        "/api/auth/mfa/totp/setup",
        "/api/auth/passkeys/register/start",
    ] {
        let proof = key.proof("POST", &server.htu(path), Some(&token));
        let request = server
            .client
            .post(server.url(path))
            .header("authorization", format!("DPoP {token}"))
            .header("dpop", proof)
            .json(&json!({ "password": PASSWORD }));
        json_with_status(send(request).await, 200).await;
    }
}

on_both_backends!(
    a_bound_session_passes_step_up_with_one_proof,
    a_proof_at_sign_up_binds_the_tokens_to_the_key,
    a_bound_token_is_refused_as_bearer_or_without_a_proof,
    another_keys_proof_is_refused,
    a_replayed_proof_is_refused,
    a_proof_for_another_request_or_a_stale_one_is_refused,
    a_bound_session_refreshes_only_with_its_key,
    without_a_proof_tokens_stay_bearer_in_optional_mode,
    required_mode_issues_no_bearer_tokens,
    off_mode_ignores_proofs,
    a_bad_proof_at_login_is_a_401_never_a_5xx,
    a_proof_by_a_small_order_key_is_refused,
);
