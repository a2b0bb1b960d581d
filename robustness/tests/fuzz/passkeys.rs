//! Bodies for the passkey endpoints (`/api/auth/passkeys/...`): WebAuthn credentials in their
//! JSON form, for the ceremonies the fuzzing account started (each finishes once; later uses
//! are replays) or for made-up ones.
//!
//! Plain, the credential is shaped as a browser's, with this server's origin and RP ID hash and
//! the ceremony's real challenge, so that it reaches webauthn-rs's checks behind the parsing
//! (attestation formats, COSE keys, flags). Odd, it is an attacker's: not JSON objects, wrong
//! types, truncated or bomb CBOR, giant base64, made-up challenges and credential ids.

use rand::seq::IndexedRandom;
use rand::Rng;
use serde_json::{json, Value};

use crate::common::dpop::base64url;
use crate::common::webauthn::{
    assertion_data, attestation_object, cbor_bytes, cbor_map_head, cbor_text, client_data,
    cose_es256_key, registration_data, Flags,
};
use crate::grammar::{random_text, Credentials, Draw, BODY};
use crate::vocabulary::{ATTESTATION_FORMATS, ODD_CBOR};

/// A started ceremony the fuzzer may finish (or replay).
pub struct Ceremony {
    /// `register`, `sign_in` or `signup`.
    pub purpose: &'static str,
    pub id: String,
    /// The challenge of its options, base64url.
    pub challenge: String,
}

/// The body for the passkey endpoint `path`.
pub fn body(d: &mut Draw, credentials: &Credentials, path: &str) -> Vec<u8> {
    let endpoint = path.trim_start_matches("/api/auth/passkeys");
    let value = match endpoint {
        "/register/finish" => finish(d, credentials, "register"),
        "/signup/finish" => finish(d, credentials, "signup"),
        "/login/finish" => finish(d, credentials, "sign_in"),
        "/register/start" | "/delete" => step_up(d, credentials),
        "/rename" => json!({ "id": odd_id(d), "name": name(d) }),
        "/signup/start" => {
            let username = random_text(d.rng, 0..40, b"abcxyz019_-.");
            json!({ "username": username, "email": odd_value(d) })
        }
        _ => json!({}),
    };
    value.to_string().into_bytes()
}

fn finish(d: &mut Draw, credentials: &Credentials, purpose: &str) -> Value {
    let ceremony = pick_ceremony(d, credentials, purpose);
    let challenge = ceremony.map_or_else(|| base64url(&[7; 32]), |c| c.challenge.clone());
    let id = ceremony.map_or_else(|| made_up_ceremony(d), |c| c.id.clone());
    let registering = purpose != "sign_in";
    let credential = if registering {
        registration(d, credentials, &challenge)
    } else {
        assertion(d, credentials, &challenge)
    };
    let mut body = json!({ "ceremony": id, "credential": credential, "name": name(d) });
    if d.odd[BODY] && d.rng.random_ratio(1, 3) {
        // Wrong types where a string or an object belongs.
        let member = *d.pick(&["ceremony", "credential", "name"]);
        body[member] = odd_value(d);
    }
    body
}

/// Mostly one of the account's own ceremonies for this purpose, sometimes another purpose's.
fn pick_ceremony<'c>(
    d: &mut Draw,
    credentials: &'c Credentials,
    purpose: &str,
) -> Option<&'c Ceremony> {
    if d.rng.random_ratio(1, 6) {
        return None;
    }
    let cross = d.rng.random_ratio(1, 8);
    let fitting: Vec<&Ceremony> = credentials
        .ceremonies
        .iter()
        .filter(|c| (c.purpose == purpose) != cross)
        .collect();
    fitting.choose(d.rng).copied()
}

fn made_up_ceremony(d: &mut Draw) -> String {
    match d.rng.random_range(0..4) {
        // Well-formed (43 base64url characters), so it is looked up.
        0 | 1 => base64url(&d.rng.random::<[u8; 32]>()),
        2 => "A".repeat(d.rng.random_range(0..5000)),
        _ => random_text(d.rng, 0..60, b"aZ09-_=+/.%\x00 \xc3\xa9"),
    }
}

fn registration(d: &mut Draw, credentials: &Credentials, challenge: &str) -> Value {
    let odd = d.odd[BODY];
    let raw_id: [u8; 16] = d.rng.random();
    let client_data = client_data_json(d, credentials, "webauthn.create", challenge);
    let object = if odd && d.rng.random_ratio(1, 2) {
        odd_cbor(d)
    } else {
        let flags = if odd { odd_flags(d) } else { Flags::REGISTERED };
        let mut key = cose_es256_key(&d.rng.random(), &d.rng.random());
        if odd && d.rng.random_ratio(1, 3) {
            key.truncate(d.rng.random_range(0..key.len()));
        }
        let auth_data = registration_data(&credentials.rp_id, flags, &raw_id, &key);
        let format = *d.pick(ATTESTATION_FORMATS);
        attestation_object(format, &odd_statement(d), &auth_data)
    };
    let mut object = base64(d, &object);
    if odd && d.rng.random_ratio(1, 4) {
        object = giant_base64(d);
    }
    json!({
        "id": base64url(&raw_id),
        "rawId": base64url(&raw_id),
        "type": "public-key",
        "response": { "attestationObject": object, "clientDataJSON": client_data },
        "extensions": {},
    })
}

fn assertion(d: &mut Draw, credentials: &Credentials, challenge: &str) -> Value {
    if d.rng.random_bool(0.5) {
        return signed_assertion(d, credentials, challenge);
    }
    let odd = d.odd[BODY];
    let raw_id: Vec<u8> = if odd && d.rng.random_ratio(1, 4) {
        (0..d.rng.random_range(0..2000))
            .map(|_| d.rng.random())
            .collect()
    } else {
        d.rng.random::<[u8; 16]>().to_vec()
    };
    let flags = if odd { odd_flags(d) } else { Flags::ASSERTED };
    let mut auth_data = assertion_data(&credentials.rp_id, flags, d.rng.random());
    if odd && d.rng.random_ratio(1, 3) {
        auth_data.truncate(d.rng.random_range(0..auth_data.len()));
    }
    // The user handle is a user id's 16 bytes; made up, or not 16 bytes at all.
    let handle: Vec<u8> = match d.rng.random_range(0..4) {
        0 if odd => Vec::new(),
        1 if odd => (0..d.rng.random_range(17..200))
            .map(|_| d.rng.random())
            .collect(),
        _ => d.rng.random::<[u8; 16]>().to_vec(),
    };
    let signature: Vec<u8> = (0..d.rng.random_range(0..80))
        .map(|_| d.rng.random())
        .collect();
    let mut response = json!({
        "authenticatorData": base64(d, &auth_data),
        "clientDataJSON": client_data_json(d, credentials, "webauthn.get", challenge),
        "signature": base64(d, &signature),
        "userHandle": base64url(&handle),
    });
    if odd && d.rng.random_ratio(1, 4) {
        let member = *d.pick(&["authenticatorData", "signature", "userHandle"]);
        response[member] = json!(giant_base64(d));
    }
    json!({
        "id": base64url(&raw_id),
        "rawId": base64url(&raw_id),
        "type": "public-key",
        "response": response,
        "extensions": {},
    })
}

/// An answer by the account's own passkey, signed: plain, correct (its counter random, so that
/// some go backwards); odd, with one thing wrong under a valid signature, or a bad signature.
fn signed_assertion(d: &mut Draw, credentials: &Credentials, challenge: &str) -> Value {
    let passkey = &credentials.passkey;
    let odd = d.odd[BODY];
    let flags = if odd && d.rng.random_ratio(1, 3) {
        odd_flags(d)
    } else {
        Flags::ASSERTED
    };
    let rp_id = if odd && d.rng.random_ratio(1, 4) {
        "evil.example"
    } else {
        credentials.rp_id.as_str()
    };
    let mut auth_data = assertion_data(rp_id, flags, d.rng.random());
    if odd && d.rng.random_ratio(1, 4) {
        // Extension data, or anything after the 37 fixed bytes.
        let extension: &[u8] = d.pick::<&[u8]>(ODD_CBOR);
        auth_data.extend_from_slice(extension);
    }
    let challenge = if odd && d.rng.random_ratio(1, 4) {
        base64url(&d.rng.random::<[u8; 32]>())
    } else {
        challenge.to_owned()
    };
    let client_data = client_data("webauthn.get", &challenge, &credentials.origin);
    let mut signature = passkey.sign(&auth_data, &client_data);
    if odd && d.rng.random_ratio(1, 3) {
        match d.rng.random_range(0..3) {
            0 => signature.truncate(d.rng.random_range(0..signature.len())),
            1 => {
                let at = d.rng.random_range(0..signature.len());
                signature[at] ^= 1 << d.rng.random_range(0..8);
            }
            _ => signature.extend_from_slice(&[0; 8]),
        }
    }
    let id = base64url(&passkey.credential_id);
    json!({
        "id": id,
        "rawId": id,
        "type": "public-key",
        "response": {
            "authenticatorData": base64url(&auth_data),
            "clientDataJSON": base64url(&client_data),
            "signature": base64url(&signature),
            "userHandle": base64url(&credentials.passkey_handle),
        },
    })
}

/// `clientDataJSON`, base64url; odd: another type, challenge or origin, or not JSON.
fn client_data_json(
    d: &mut Draw,
    credentials: &Credentials,
    kind: &str,
    challenge: &str,
) -> String {
    if !d.odd[BODY] || d.rng.random_ratio(1, 3) {
        return base64url(&client_data(kind, challenge, &credentials.origin));
    }
    let bytes = match d.rng.random_range(0..6) {
        0 => client_data("webauthn.other", challenge, &credentials.origin),
        1 => client_data(
            kind,
            &base64url(&d.rng.random::<[u8; 32]>()),
            &credentials.origin,
        ),
        2 => client_data(kind, challenge, "http://evil.example"),
        3 => client_data(kind, "not base64 !", &credentials.origin),
        4 => format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
        _ => (0..d.rng.random_range(0..300))
            .map(|_| d.rng.random())
            .collect(),
    };
    base64url(&bytes)
}

/// An attestation statement: empty, or members of the formats with garbage in them.
fn odd_statement(d: &mut Draw) -> Vec<u8> {
    if !d.odd[BODY] || d.rng.random_ratio(1, 3) {
        return cbor_map_head(0);
    }
    let junk: Vec<u8> = (0..d.rng.random_range(0..200))
        .map(|_| d.rng.random())
        .collect();
    let mut statement = cbor_map_head(3);
    statement.extend(cbor_text("alg"));
    statement.push(0x26); // -7, ES256
    statement.extend(cbor_text("sig"));
    statement.extend(cbor_bytes(&junk));
    statement.extend(cbor_text("x5c"));
    statement.push(0x81); // an array of one certificate
    statement.extend(cbor_bytes(&junk));
    statement
}

fn odd_flags(d: &mut Draw) -> u8 {
    *d.pick(&[
        0,
        0xff,
        Flags::REGISTERED,
        Flags::ASSERTED,
        0x01,
        0x04,
        0x80,
        0xc5,
    ])
}

/// CBOR that is truncated, lies about its lengths, nests deeply or is not CBOR at all.
fn odd_cbor(d: &mut Draw) -> Vec<u8> {
    match d.rng.random_range(0..4) {
        0 => {
            let depth = d.rng.random_range(100..9000);
            let mut bytes = vec![0x81; depth];
            bytes.push(0x00);
            bytes
        }
        1 => {
            let mut bytes = cbor_map_head(3);
            bytes.extend(cbor_text("fmt"));
            bytes.extend(cbor_text("none"));
            bytes.truncate(d.rng.random_range(0..bytes.len()));
            bytes
        }
        2 => (0..d.rng.random_range(0..600))
            .map(|_| d.rng.random())
            .collect(),
        _ => d.pick(ODD_CBOR).to_vec(),
    }
}

/// base64url, or now and then standard base64 with padding (both are accepted by browsers'
/// JSON forms and webauthn-rs).
fn base64(d: &mut Draw, bytes: &[u8]) -> String {
    let encoded = base64url(bytes);
    if d.rng.random_ratio(1, 10) {
        let standard = encoded.replace('-', "+").replace('_', "/");
        let padding = (4 - standard.len() % 4) % 4;
        return format!("{standard}{}", "=".repeat(padding));
    }
    encoded
}

/// Base64 near or past the API's 16 KiB body limit.
fn giant_base64(d: &mut Draw) -> String {
    "A".repeat(d.rng.random_range(10_000..24_000))
}

fn step_up(d: &mut Draw, credentials: &Credentials) -> Value {
    let password = if d.rng.random_bool(0.5) {
        json!(credentials.password)
    } else {
        odd_value(d)
    };
    json!({ "id": odd_id(d), "password": password, "code": odd_value(d) })
}

fn odd_id(d: &mut Draw) -> Value {
    match d.rng.random_range(0..3) {
        0 => json!("00000000-0000-0000-0000-000000000000"),
        1 => json!(random_text(d.rng, 0..80, b"aZ09-_%'\"\\\x00")),
        _ => odd_value(d),
    }
}

fn name(d: &mut Draw) -> Value {
    match d.rng.random_range(0..4) {
        0 => json!("x".repeat(d.rng.random_range(60..400))),
        1 => json!("a\u{7}b"),
        _ => json!(random_text(
            d.rng,
            0..40,
            b"abc XYZ \xc3\xa9\xf0\x9f\x98\x80"
        )),
    }
}

fn odd_value(d: &mut Draw) -> Value {
    d.pick(&[
        json!(null),
        json!(1),
        json!(-1.5e300),
        json!(true),
        json!([]),
        json!({}),
        json!(""),
        json!("\u{0}"),
        json!([[[[[[[[]]]]]]]]),
    ])
    .clone()
}
