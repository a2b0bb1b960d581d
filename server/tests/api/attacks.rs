//! Attacker requests get their documented 4xx, never a 5xx. Covered elsewhere: tampered payload,
//! expiry, foreign issuer/audience (tokens.rs); unknown user vs wrong password (login.rs); body
//! size limits, truncated JSON (errors.rs); the Cyrillic `аdmin` (signup.rs).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey};
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::{assert_error, assert_invalid_token, json_with_status, now_unix};
use crate::helpers::{Backend, TestServer};
use crate::tokens::segment;

/// A server with "alice" signed up: her real token, its header and claims, the server's key.
struct Target {
    server: TestServer,
    token: String,
    header: Value,
    claims: Value,
    key: EncodingKey,
}

async fn target(backend: Backend) -> Target {
    let server = TestServer::spawn_on(backend).await;
    let token = server.token_for("alice", "correct horse").await;
    Target {
        key: signing_key(&server),
        header: segment(&token, 0),
        claims: segment(&token, 1),
        server,
        token,
    }
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A token built by hand from `header` and `claims`, signed with `key` under `alg`.
fn forge(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!("{}.{}", b64(header), b64(claims));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).expect("signs");
    format!("{message}.{signature}")
}

/// The server's Ed25519 signing key, read from its database (as a stolen or foreign key).
fn signing_key(server: &TestServer) -> EncodingKey {
    let pem = server.sql("SELECT private_pem FROM signing_keys");
    EncodingKey::from_ed_pem(pem.trim().as_bytes()).expect("stored key is a PKCS#8 PEM")
}

impl Target {
    /// `GET /api/me` with a token of `header` and `claims` signed by the server's own key.
    async fn me_signed(&self, header: &Value, claims: &Value) -> Response {
        let token = forge(header, claims, &self.key, Algorithm::EdDSA);
        self.server.me(&token).await
    }
}

/// A copy of `value` with `field` set to `new`.
fn with(value: &Value, field: &str, new: impl Into<Value>) -> Value {
    let mut copy = value.clone();
    copy[field] = new.into();
    copy
}

/// The server's public key as published in its JWKS.
async fn published_jwk(server: &TestServer) -> Value {
    let jwks = json_with_status(server.get("/.well-known/jwks.json").await, 200).await;
    jwks["keys"][0].clone()
}

async fn hand_built_token_signed_with_the_server_key_is_200_control(backend: Backend) {
    let t = target(backend).await;

    let response = t.me_signed(&t.header, &t.claims).await;

    assert_eq!(json_with_status(response, 200).await["username"], "alice");
}

async fn unsigned_tokens_alg_none_or_stripped_signature_are_401(backend: Backend) {
    let t = target(backend).await;
    let admin = with(&t.claims, "role", "admin");
    let alg_none = format!("{}.{}.", b64(&with(&t.header, "alg", "none")), b64(&admin));
    let stripped = format!("{}.", t.token.rsplit_once('.').expect("three segments").0);

    for token in [alg_none, stripped] {
        assert_invalid_token(t.server.me(&token).await).await;
    }
}

async fn hs256_token_keyed_with_the_published_public_key_is_401(backend: Backend) {
    let t = target(backend).await;
    let jwk = published_jwk(&t.server).await;
    let x = jwk["x"].as_str().expect("x is a string");
    let raw = URL_SAFE_NO_PAD.decode(x).expect("x is base64url");
    assert_eq!(raw.len(), 32, "x is a raw Ed25519 public key");
    let header = with(&t.header, "alg", "HS256");

    for secret in [x.as_bytes(), &raw] {
        let key = EncodingKey::from_secret(secret);
        let token = forge(&header, &t.claims, &key, Algorithm::HS256);

        assert_invalid_token(t.server.me(&token).await).await;
    }
}

async fn token_signed_by_another_ed25519_key_under_our_kid_is_401(backend: Backend) {
    let t = target(backend).await;
    let attacker_key = signing_key(&TestServer::spawn_on(backend).await);
    let claims = with(&t.claims, "role", "admin");
    let token = forge(&t.header, &claims, &attacker_key, Algorithm::EdDSA);

    let response = t.server.me(&token).await;

    assert_invalid_token(response).await;
}

/// Each header check of RFC 8725 holds on its own: the signature over the flawed header is valid.
async fn header_flaws_are_401_even_with_a_valid_signature(backend: Backend) {
    let t = target(backend).await;
    let jwks_url = json!(t.server.url("/.well-known/jwks.json"));
    let flaws = [
        ("kid", json!("no-such-kid")),
        ("kid", json!("../../etc/passwd")),
        ("kid", json!("' OR 1=1 --")),
        ("typ", json!("JWT")),
        ("jku", jwks_url.clone()),
        ("x5u", jwks_url),
        ("jwk", published_jwk(&t.server).await),
    ];

    for (name, value) in flaws {
        let response = t.me_signed(&with(&t.header, name, value), &t.claims).await;

        assert_invalid_token(response).await;
    }
}

async fn not_yet_valid_token_is_401_even_with_a_valid_signature(backend: Backend) {
    let t = target(backend).await;
    let claims = with(&t.claims, "nbf", now_unix() + 3600);

    let response = t.me_signed(&t.header, &claims).await;

    assert_invalid_token(response).await;
}

/// `/api/account` reads the database; `/api/me` is stateless by design, so a deleted user's
/// token keeps answering there until its `exp` (at most the token lifetime).
async fn deleted_user_is_401_on_account_but_me_answers_until_exp(backend: Backend) {
    let t = target(backend).await;
    t.server.sql("DELETE FROM users");

    let request = t.server.client.get(t.server.url("/api/account"));
    let account = request.bearer_auth(&t.token).send().await;
    let me = t.server.me(&t.token).await;

    assert_invalid_token(account.expect("GET /api/account failed")).await;
    assert_eq!(json_with_status(me, 200).await["username"], "alice");
}

async fn oversized_non_utf8_or_non_base64_bearer_values_are_401(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let oversized = format!("Bearer {}", "a".repeat(9000));
    let non_utf8: &[u8] = b"Bearer \xff\xfe";

    for value in [oversized.as_bytes(), non_utf8, b"Bearer %%%.%%%.%%%"] {
        let value = HeaderValue::from_bytes(value).expect("a valid header value");
        let request = server.client.get(server.url("/api/me"));
        let response = request.header(AUTHORIZATION, value).send().await;

        assert_invalid_token(response.expect("GET /api/me failed")).await;
    }
}

const SQL_NAMES: [&str; 3] = ["' OR '1'='1", "admin'--", "\"; DROP TABLE users; --"];

async fn sql_metacharacter_usernames_are_refused_and_the_users_table_survives(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signed_up("admin", "correct horse").await;

    for username in SQL_NAMES {
        let signup = server.signup(username, "correct horse").await;
        assert_error(signup, 400, "invalid_input").await;
        let login = server.login(username, "correct horse").await;
        assert_error(login, 401, "invalid_credentials").await;
    }

    server.signed_up("bob", "another secret").await;
    json_with_status(server.login("admin", "correct horse").await, 200).await;
    json_with_status(server.login("bob", "another secret").await, 200).await;
}

async fn fullwidth_admin_is_409_username_taken_after_admin(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signed_up("admin", "correct horse").await;

    let fullwidth = "\u{FF41}\u{FF44}\u{FF4D}\u{FF49}\u{FF4E}";

    let response = server.signup(fullwidth, "other secret").await;

    assert_error(response, 409, "username_taken").await;
}

async fn login_with_a_300_character_password_is_401_invalid_credentials(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signed_up("alice", "correct horse").await;

    let response = server.login("alice", &"p".repeat(300)).await;

    assert_error(response, 401, "invalid_credentials").await;
}

async fn malformed_json_bodies_are_400_never_5xx(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let variants = [
        (r#"{"username": "alice", "passw"#, "invalid_json"),
        (r#"{"username": "alice"} {}"#, "invalid_json"),
        ("null", "invalid_input"),
        ("42", "invalid_input"),
        (r#""alice""#, "invalid_input"),
    ];

    for path in ["/api/auth/signup", "/api/auth/login"] {
        for (body, code) in variants {
            let response = server.post_raw(path, "application/json", body).await;

            assert_error(response, 400, code).await;
        }
    }
}

on_both_backends!(
    hand_built_token_signed_with_the_server_key_is_200_control,
    unsigned_tokens_alg_none_or_stripped_signature_are_401,
    hs256_token_keyed_with_the_published_public_key_is_401,
    token_signed_by_another_ed25519_key_under_our_kid_is_401,
    header_flaws_are_401_even_with_a_valid_signature,
    not_yet_valid_token_is_401_even_with_a_valid_signature,
    deleted_user_is_401_on_account_but_me_answers_until_exp,
    oversized_non_utf8_or_non_base64_bearer_values_are_401,
    sql_metacharacter_usernames_are_refused_and_the_users_table_survives,
    fullwidth_admin_is_409_username_taken_after_admin,
    login_with_a_300_character_password_is_401_invalid_credentials,
    malformed_json_bodies_are_400_never_5xx,
);
