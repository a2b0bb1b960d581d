//! A passkey registered for real (the tests' own authenticator, "none" attestation), then sign-in
//! answers for it that are forged in one way each: another key's signature, a signature over
//! other data, a counter that did not advance, no user verification, broken DER. Each is a 401
//! `invalid_passkey`, and the passkey still signs in afterwards. A passkey sign-in is a token
//! request too: a bad DPoP proof with a good assertion is a 401 `invalid_dpop_proof`.

use serde_json::{json, Value};

use crate::common::dpop::{base64url, ProofKey};
use crate::common::http::{request, with_header};
use crate::common::webauthn::{assertion_data, client_data, Flags, SoftPasskey};
use crate::common::{assert_alive, Server};
use crate::passkeys::{bearer, finish, start_sign_in, Started};
use crate::{
    answered, assert_dpop_refusal, assert_error, expect_status, sign_up, Account, PASSWORD,
};

/// Registers `passkey` for `account`; its user handle (the account's id, as 16 bytes).
async fn register(server: &Server, account: &Account, passkey: &SoftPasskey) -> Vec<u8> {
    let body = json!({ "password": PASSWORD }).to_string();
    let bytes = request("POST", "/api/auth/passkeys/register/start", Some(&body));
    let response = answered(server, &bearer(bytes, account)).await;
    expect_status(server, "register/start", &response, 200).await;
    let options = response.json().unwrap_or(Value::Null);
    let user_id = options["options"]["publicKey"]["user"]["id"]
        .as_str()
        .unwrap_or_default();
    let handle = crate::common::dpop::base64url_decode(user_id);
    let ceremony = options["ceremony"].as_str().unwrap_or_default();
    let challenge = options["options"]["publicKey"]["challenge"]
        .as_str()
        .unwrap_or_default();
    let client_data = client_data("webauthn.create", challenge, &server.public_origin());
    let id = base64url(&passkey.credential_id);
    let credential = json!({
        "id": id,
        "rawId": id,
        "type": "public-key",
        "response": {
            "attestationObject": base64url(&passkey.attestation_object("localhost")),
            "clientDataJSON": base64url(&client_data),
        },
        "extensions": {},
    });
    let bytes = finish("/api/auth/passkeys/register/finish", ceremony, credential);
    let response = answered(server, &bearer(bytes, account)).await;
    expect_status(server, "register/finish", &response, 201).await;
    handle
}

/// A sign-in answer for `ceremony`: `auth_data` and `client_data` as given, `signature` over
/// whatever the caller chose.
fn answer(
    passkey: &SoftPasskey,
    handle: &[u8],
    auth_data: &[u8],
    client_data: &[u8],
    signature: &[u8],
) -> Value {
    let id = base64url(&passkey.credential_id);
    json!({
        "id": id,
        "rawId": id,
        "type": "public-key",
        "response": {
            "authenticatorData": base64url(auth_data),
            "clientDataJSON": base64url(client_data),
            "signature": base64url(signature),
            "userHandle": base64url(handle),
        },
        "extensions": {},
    })
}

fn sign_in_data(server: &Server, ceremony: &Started) -> Vec<u8> {
    client_data("webauthn.get", &ceremony.challenge, &server.public_origin())
}

#[tokio::test]
async fn forged_assertions_for_a_real_passkey_are_401_invalid_passkey() {
    let server = Server::start().await;
    let account = sign_up(&server, "alice").await;
    let passkey = SoftPasskey::from_seed([5; 32], &[7; 16]);
    let handle = register(&server, &account, &passkey).await;
    let sign_in = |counter: u32, ceremony: &Started| {
        let auth_data = assertion_data("localhost", Flags::ASSERTED, counter);
        let client_data = sign_in_data(&server, ceremony);
        let signature = passkey.sign(&auth_data, &client_data);
        answer(&passkey, &handle, &auth_data, &client_data, &signature)
    };

    let ceremony = start_sign_in(&server).await;
    let bytes = finish(
        "/api/auth/passkeys/login/finish",
        &ceremony.id,
        sign_in(1, &ceremony),
    );
    let response = answered(&server, &bytes).await;
    expect_status(&server, "a real sign-in", &response, 200).await;

    let thief = SoftPasskey::from_seed([6; 32], &[7; 16]);
    type Forgery<'a> = (&'a str, Box<dyn Fn(&Started) -> Value + 'a>);
    let forgeries: Vec<Forgery> = vec![
        ("the counter did not advance", Box::new(|c| sign_in(1, c))),
        (
            "another key's signature",
            Box::new(|c| {
                let auth_data = assertion_data("localhost", Flags::ASSERTED, 2);
                let client_data = sign_in_data(&server, c);
                answer(
                    &passkey,
                    &handle,
                    &auth_data,
                    &client_data,
                    &thief.sign(&auth_data, &client_data),
                )
            }),
        ),
        (
            "signed for another challenge",
            Box::new(|c| {
                let auth_data = assertion_data("localhost", Flags::ASSERTED, 2);
                let client_data = sign_in_data(&server, c);
                let other = client_data_with_challenge(&server, "AAAA");
                answer(
                    &passkey,
                    &handle,
                    &auth_data,
                    &client_data,
                    &passkey.sign(&auth_data, &other),
                )
            }),
        ),
        (
            "another challenge, signed",
            Box::new(|_| {
                let auth_data = assertion_data("localhost", Flags::ASSERTED, 2);
                let other = client_data_with_challenge(&server, "AAAA");
                answer(
                    &passkey,
                    &handle,
                    &auth_data,
                    &other,
                    &passkey.sign(&auth_data, &other),
                )
            }),
        ),
        (
            "another RP, signed",
            Box::new(|c| {
                let auth_data = assertion_data("evil.example", Flags::ASSERTED, 2);
                let client_data = sign_in_data(&server, c);
                answer(
                    &passkey,
                    &handle,
                    &auth_data,
                    &client_data,
                    &passkey.sign(&auth_data, &client_data),
                )
            }),
        ),
        (
            "no user verification, signed",
            Box::new(|c| {
                let auth_data = assertion_data("localhost", Flags::USER_PRESENT, 2);
                let client_data = sign_in_data(&server, c);
                answer(
                    &passkey,
                    &handle,
                    &auth_data,
                    &client_data,
                    &passkey.sign(&auth_data, &client_data),
                )
            }),
        ),
        (
            "truncated DER",
            Box::new(|c| {
                let auth_data = assertion_data("localhost", Flags::ASSERTED, 2);
                let client_data = sign_in_data(&server, c);
                let signature = passkey.sign(&auth_data, &client_data);
                answer(
                    &passkey,
                    &handle,
                    &auth_data,
                    &client_data,
                    &signature[..signature.len() / 2],
                )
            }),
        ),
        (
            "an empty signature",
            Box::new(|c| {
                let auth_data = assertion_data("localhost", Flags::ASSERTED, 2);
                answer(
                    &passkey,
                    &handle,
                    &auth_data,
                    &sign_in_data(&server, c),
                    &[],
                )
            }),
        ),
        (
            "extension data that is no CBOR, signed",
            Box::new(|c| {
                let mut auth_data = assertion_data("localhost", Flags::ASSERTED | 0x80, 2);
                auth_data.extend_from_slice(b"\xff\xff\xff");
                let client_data = sign_in_data(&server, c);
                answer(
                    &passkey,
                    &handle,
                    &auth_data,
                    &client_data,
                    &passkey.sign(&auth_data, &client_data),
                )
            }),
        ),
        (
            "authenticator data cut short, signed",
            Box::new(|c| {
                let auth_data = assertion_data("localhost", Flags::ASSERTED, 2)[..36].to_vec();
                let client_data = sign_in_data(&server, c);
                answer(
                    &passkey,
                    &handle,
                    &auth_data,
                    &client_data,
                    &passkey.sign(&auth_data, &client_data),
                )
            }),
        ),
    ];
    for (case, forge) in &forgeries {
        let ceremony = start_sign_in(&server).await;
        let bytes = finish(
            "/api/auth/passkeys/login/finish",
            &ceremony.id,
            forge(&ceremony),
        );
        assert_error(&server, case, &bytes, 401, "invalid_passkey").await;
    }

    // The owner still signs in, with a counter past the last one accepted.
    let ceremony = start_sign_in(&server).await;
    let bytes = finish(
        "/api/auth/passkeys/login/finish",
        &ceremony.id,
        sign_in(9, &ceremony),
    );
    let response = answered(&server, &bytes).await;
    expect_status(&server, "the owner afterwards", &response, 200).await;
    assert_alive(&server, "the owner afterwards").await;
}

#[tokio::test]
async fn a_passkey_sign_in_with_a_bad_proof_is_401_invalid_dpop_proof_and_with_a_good_one_binds() {
    let server = Server::start().await;
    let account = sign_up(&server, "alice").await;
    let passkey = SoftPasskey::from_seed([5; 32], &[7; 16]);
    let handle = register(&server, &account, &passkey).await;
    let sign_in = |counter: u32, ceremony: &Started, proof: &[u8]| {
        let auth_data = assertion_data("localhost", Flags::ASSERTED, counter);
        let client_data = sign_in_data(&server, ceremony);
        let signature = passkey.sign(&auth_data, &client_data);
        let credential = answer(&passkey, &handle, &auth_data, &client_data, &signature);
        let bytes = finish("/api/auth/passkeys/login/finish", &ceremony.id, credential);
        with_header(bytes, "DPoP", proof)
    };
    let htu = format!("{}/api/auth/passkeys/login/finish", server.public_origin());
    let key = ProofKey::from_seed([1; 32]);

    let ceremony = start_sign_in(&server).await;
    let bad = sign_in(1, &ceremony, b"a.b.c");
    assert_dpop_refusal(&server, "a bad proof", &bad, "invalid_dpop_proof").await;
    let ceremony = start_sign_in(&server).await;
    let proof = key.proof("GET", &htu, None, "j1");
    let wrong = sign_in(2, &ceremony, proof.as_bytes());
    assert_dpop_refusal(&server, "a proof for GET", &wrong, "invalid_dpop_proof").await;

    let ceremony = start_sign_in(&server).await;
    let proof = key.proof("POST", &htu, None, "j2");
    let response = answered(&server, &sign_in(3, &ceremony, proof.as_bytes())).await;
    expect_status(&server, "a good proof", &response, 200).await;
    assert_eq!(response.json().unwrap_or(Value::Null)["token_type"], "DPoP");
}

fn client_data_with_challenge(server: &Server, challenge: &str) -> Vec<u8> {
    client_data("webauthn.get", challenge, &server.public_origin())
}
