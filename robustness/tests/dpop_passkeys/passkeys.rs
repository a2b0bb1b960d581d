//! Hostile answers to passkey ceremonies: made-up and replayed ceremonies, credentials that are
//! not credentials, broken CBOR behind a correct `clientDataJSON` (so that webauthn-rs parses
//! it), unknown credential ids, and bodies past the API's 16 KiB limit.

use serde_json::{json, Value};

use crate::common::dpop::base64url;
use crate::common::http::{request, with_header};
use crate::common::webauthn::{
    assertion_data, attestation_object, cbor_map_head, client_data, cose_es256_key,
    registration_data, Flags,
};
use crate::common::Server;
use crate::{answered, assert_error, expect_status, sign_up, Account, PASSWORD};

/// A started ceremony: its id and challenge.
pub struct Started {
    pub id: String,
    pub challenge: String,
}

pub async fn start(server: &Server, bytes: Vec<u8>) -> Started {
    let response = answered(server, &bytes).await;
    expect_status(server, "a ceremony start", &response, 200).await;
    let body = response.json().unwrap_or(Value::Null);
    Started {
        id: body["ceremony"].as_str().unwrap_or_default().to_owned(),
        challenge: body["options"]["publicKey"]["challenge"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    }
}

pub async fn start_sign_in(server: &Server) -> Started {
    start(
        server,
        request("POST", "/api/auth/passkeys/login/start", Some("{}")),
    )
    .await
}

async fn start_register(server: &Server, account: &Account) -> Started {
    let body = json!({ "password": PASSWORD }).to_string();
    let bytes = request("POST", "/api/auth/passkeys/register/start", Some(&body));
    start(server, bearer(bytes, account)).await
}

pub fn bearer(bytes: Vec<u8>, account: &Account) -> Vec<u8> {
    let value = format!("Bearer {}", account.access_token);
    with_header(bytes, "Authorization", value.as_bytes())
}

pub fn finish(path: &str, ceremony: &str, credential: Value) -> Vec<u8> {
    let body = json!({ "ceremony": ceremony, "credential": credential }).to_string();
    request("POST", path, Some(&body))
}

/// A registration answer: `clientDataJSON` right for `challenge`, this attestation object.
fn registration(server: &Server, challenge: &str, object: &[u8]) -> Value {
    let client_data = client_data("webauthn.create", challenge, &server.public_origin());
    json!({
        "id": base64url(&[1; 16]),
        "rawId": base64url(&[1; 16]),
        "type": "public-key",
        "response": {
            "attestationObject": base64url(object),
            "clientDataJSON": base64url(&client_data),
        },
        "extensions": {},
    })
}

/// A sign-in answer with credential id `raw_id` and user handle `handle`.
fn assertion(server: &Server, challenge: &str, raw_id: &[u8], handle: &[u8]) -> Value {
    let client_data = client_data("webauthn.get", challenge, &server.public_origin());
    json!({
        "id": base64url(raw_id),
        "rawId": base64url(raw_id),
        "type": "public-key",
        "response": {
            "authenticatorData": base64url(&assertion_data("localhost", Flags::ASSERTED, 1)),
            "clientDataJSON": base64url(&client_data),
            "signature": base64url(&[0; 64]),
            "userHandle": base64url(handle),
        },
        "extensions": {},
    })
}

#[tokio::test]
async fn made_up_and_replayed_ceremonies_are_400_invalid_ceremony() {
    let server = Server::start().await;
    let account = sign_up(&server, "alice").await;
    let unknown = base64url(&[9; 32]);
    let registered = start_register(&server, &account).await;
    let credential = assertion(&server, "AAAA", &[1; 16], &[2; 16]);
    let cases = [
        (
            "a short id",
            finish("/api/auth/passkeys/login/finish", "x", credential.clone()),
        ),
        (
            "a 10k id",
            finish(
                "/api/auth/passkeys/login/finish",
                &"A".repeat(10_000),
                credential.clone(),
            ),
        ),
        (
            "an unknown id",
            finish(
                "/api/auth/passkeys/login/finish",
                &unknown,
                credential.clone(),
            ),
        ),
        (
            "an unknown sign-up",
            finish(
                "/api/auth/passkeys/signup/finish",
                &unknown,
                credential.clone(),
            ),
        ),
        // A registration ceremony is no sign-in ceremony (and is used up by the attempt).
        (
            "another kind's id",
            finish(
                "/api/auth/passkeys/login/finish",
                &registered.id,
                credential.clone(),
            ),
        ),
        (
            "that id again",
            bearer(
                finish(
                    "/api/auth/passkeys/register/finish",
                    &registered.id,
                    credential.clone(),
                ),
                &account,
            ),
        ),
    ];
    for (case, bytes) in &cases {
        assert_error(&server, case, bytes, 400, "invalid_ceremony").await;
    }
    let sign_in = start_sign_in(&server).await;
    let bytes = finish(
        "/api/auth/passkeys/login/finish",
        &sign_in.id,
        json!("garbage"),
    );
    assert_error(
        &server,
        "a real ceremony, garbage",
        &bytes,
        400,
        "invalid_input",
    )
    .await;
    assert_error(
        &server,
        "the same ceremony again",
        &bytes,
        400,
        "invalid_ceremony",
    )
    .await;
}

#[tokio::test]
async fn credentials_that_are_no_credential_json_are_400_invalid_input() {
    let server = Server::start().await;
    let mut valid = assertion(&server, "AAAA", &[1; 16], &[2; 16]);
    valid["response"]["clientDataJSON"] = json!("%%% not base64 %%%");
    let cases = [
        ("a number", json!(1)),
        ("an array", json!([])),
        ("an empty object", json!({})),
        ("null", json!(null)),
        (
            "response an array",
            json!({ "id": "AA", "rawId": "AA", "type": "public-key", "response": [] }),
        ),
        ("bad base64", valid),
    ];
    for (case, credential) in cases {
        let sign_in = start_sign_in(&server).await;
        let bytes = finish("/api/auth/passkeys/login/finish", &sign_in.id, credential);
        assert_error(&server, case, &bytes, 400, "invalid_input").await;
    }
    let wrong_types = [
        r#"{"ceremony":1,"credential":{}}"#,
        r#"{"ceremony":["a"],"credential":{}}"#,
        r#"{"credential":{}}"#,
    ];
    for body in wrong_types {
        let bytes = request("POST", "/api/auth/passkeys/login/finish", Some(body));
        assert_error(&server, body, &bytes, 400, "invalid_input").await;
    }
}

#[tokio::test]
async fn broken_cbor_in_a_registration_is_401_invalid_passkey() {
    let server = Server::start().await;
    let account = sign_up(&server, "alice").await;
    let key = cose_es256_key(&[3; 32], &[4; 32]);
    let good_data = registration_data("localhost", Flags::REGISTERED, &[1; 16], &key);
    let whole = attestation_object("none", &cbor_map_head(0), &good_data);
    let mut nested = vec![0x81; 9000];
    nested.push(0x00);
    let short_data = registration_data("localhost", Flags::REGISTERED, &[1; 16], &key[..20]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", whole[..whole.len() / 2].to_vec()),
        (
            "a 2^64-byte string",
            b"\xa1\x68authData\x5b\xff\xff\xff\xff\xff\xff\xff\xff".to_vec(),
        ),
        (
            "a 2^64-entry map",
            b"\xbb\xff\xff\xff\xff\xff\xff\xff\xff".to_vec(),
        ),
        ("no break", b"\xbf\x63fmt\x64none".to_vec()),
        ("9000 nested arrays", nested),
        (
            "a truncated COSE key",
            attestation_object("none", &cbor_map_head(0), &short_data),
        ),
        ("a key off the curve", whole.clone()),
        (
            "packed without a statement",
            attestation_object("packed", &cbor_map_head(0), &good_data),
        ),
        (
            "an unknown format",
            attestation_object("x", &cbor_map_head(0), &good_data),
        ),
    ];
    for (case, object) in cases {
        let ceremony = start_register(&server, &account).await;
        let credential = registration(&server, &ceremony.challenge, &object);
        let bytes = finish(
            "/api/auth/passkeys/register/finish",
            &ceremony.id,
            credential,
        );
        assert_error(
            &server,
            case,
            &bearer(bytes, &account),
            401,
            "invalid_passkey",
        )
        .await;
    }
}

#[tokio::test]
async fn an_unknown_credential_at_sign_in_is_401_invalid_passkey() {
    let server = Server::start().await;
    let cases: [(&str, Vec<u8>, Vec<u8>); 4] = [
        ("a made-up user", vec![1; 16], vec![2; 16]),
        ("no user handle", vec![1; 16], Vec::new()),
        ("a 200-byte handle", vec![1; 16], vec![2; 200]),
        ("a 2000-byte credential id", vec![1; 2000], vec![2; 16]),
    ];
    for (case, raw_id, handle) in cases {
        let ceremony = start_sign_in(&server).await;
        let credential = assertion(&server, &ceremony.challenge, &raw_id, &handle);
        let bytes = finish("/api/auth/passkeys/login/finish", &ceremony.id, credential);
        assert_error(&server, case, &bytes, 401, "invalid_passkey").await;
    }
}

#[tokio::test]
async fn a_credential_past_the_16_kib_body_limit_is_413_payload_too_large() {
    let server = Server::start().await;
    let ceremony = start_sign_in(&server).await;
    let mut credential = assertion(&server, &ceremony.challenge, &[1; 16], &[2; 16]);
    credential["response"]["signature"] = json!("A".repeat(20_000));
    let bytes = finish("/api/auth/passkeys/login/finish", &ceremony.id, credential);
    assert_error(
        &server,
        "a 20 KB signature",
        &bytes,
        413,
        "payload_too_large",
    )
    .await;
}
