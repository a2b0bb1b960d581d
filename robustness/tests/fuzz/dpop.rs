//! The DPoP part of a request (RFC 9449): the `DPoP` proof header and `Authorization: DPoP`.
//!
//! Plain, it is what a DPoP client sends: no proof, or a fresh proof by the fuzzing key for this
//! very request (then token requests bind their session, and the fuzzing account's bound token
//! is accepted). Odd, it is what an attacker sends: empty, oversized (past the server's 4096-byte
//! proof limit, or past the 64 KiB head), repeated, not a JWS, bad base64, nesting bombs in the
//! header or the claims, a `jwk` with its private key, of the wrong type or curve, odd `iat`s,
//! `typ` and `jti`, a proof signed for real but for another method or URL, a broken signature;
//! and an `Authorization: DPoP` with garbage or with the account's tokens the wrong way round.

use rand::Rng;
use serde_json::{json, Value};

use crate::common::dpop::{base64url, claims, now_unix, PROOF_TYP};
use crate::grammar::{random_text, Credentials, Draw, Header, DPOP};
use crate::vocabulary::{NOT_A_JWS, ODD_AUTHORIZATION_DPOP, ODD_HTUS, ODD_IATS, ODD_JWKS};

/// The request the DPoP headers go with.
pub struct Request<'a> {
    pub method: &'a [u8],
    pub path: &'a [u8],
}

pub fn headers(d: &mut Draw, credentials: &Credentials, request: &Request) -> Vec<Header> {
    let method = String::from_utf8_lossy(request.method).into_owned();
    let path = String::from_utf8_lossy(request.path);
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let url = format!("{}{path}", credentials.origin);
    let mut headers = Vec::new();
    if !d.odd[DPOP] {
        // Mostly no DPoP at all, as most clients; else a correct proof for this request.
        if d.rng.random_ratio(3, 4) {
            return headers;
        }
        let token = if d.rng.random_bool(0.5) {
            let token = &credentials.bound_token;
            headers.push(authorization(&format!("DPoP {token}")));
            Some(token.as_str())
        } else {
            None
        };
        let proof = credentials.proof_key.proof(&method, &url, token, &jti(d));
        headers.push(dpop(proof.into_bytes()));
        return headers;
    }
    // Mostly the bound token with the proof, so that protected calls check it (with its `ath`,
    // so that the oddity is the one thing wrong); token requests take a proof without one.
    let mut token = None;
    if d.rng.random_ratio(2, 3) {
        let value = match d.rng.random_range(0..6) {
            0 => format!("DPoP {}", credentials.access_token),
            1 => format!("Bearer {}", credentials.bound_token),
            2 => d.pick(ODD_AUTHORIZATION_DPOP).to_string(),
            _ => {
                token = Some(credentials.bound_token.as_str());
                format!("DPoP {}", credentials.bound_token)
            }
        };
        headers.push(authorization(&value));
    }
    let copies = if d.rng.random_ratio(1, 6) {
        d.rng.random_range(2..40)
    } else {
        1
    };
    for _ in 0..copies {
        let proof = odd_proof(d, credentials, &method, &url, token);
        headers.push(dpop(proof));
    }
    headers
}

fn odd_proof(
    d: &mut Draw,
    credentials: &Credentials,
    method: &str,
    url: &str,
    token: Option<&str>,
) -> Vec<u8> {
    let key = &credentials.proof_key;
    let now = now_unix();
    let fresh = |d: &mut Draw| claims(method, url, token, &jti(d), now);
    let signed = |header: Value, claims: Value| key.sign(&header, &claims).into_bytes();
    match d.rng.random_range(0..16) {
        0 => Vec::new(),
        1 => b" ".to_vec(),
        // Past the proof limit; rarely past the whole head's (a 431 before any handler).
        2 => {
            let len: usize = if d.rng.random_ratio(1, 8) {
                d.rng.random_range(65_000..80_000)
            } else {
                d.rng.random_range(4097..12_000)
            };
            let proof = key.proof(method, url, token, &jti(d));
            let padding = "A".repeat(len.saturating_sub(proof.len()));
            format!("{proof}{padding}").into_bytes()
        }
        3 => d.pick(NOT_A_JWS).as_bytes().to_vec(),
        // Bad base64: the standard alphabet, padding, bytes outside any alphabet.
        4 => {
            let proof = key.proof(method, url, token, &jti(d));
            let broken = match d.rng.random_range(0..3) {
                0 => proof.replacen('-', "+", 3).replacen('_', "/", 3),
                1 => proof.replacen('.', "==.", 1),
                _ => format!("{}.{}", random_text(d.rng, 1..60, b"!*%$ ~\"'"), proof),
            };
            broken.into_bytes()
        }
        // Nesting bombs, within the proof limit so that they reach the JSON parsers.
        5 => {
            let depth = d.rng.random_range(100..1400);
            let bomb = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            if d.rng.random_bool(0.5) {
                key.sign_raw(bomb.as_bytes(), b"{}").into_bytes()
            } else {
                let header = key.header().to_string();
                key.sign_raw(header.as_bytes(), bomb.as_bytes())
                    .into_bytes()
            }
        }
        6 => {
            let depth = d.rng.random_range(100..700);
            let nested = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
            let header = json!({ "typ": PROOF_TYP, "alg": "EdDSA", "jwk": key.public_jwk() });
            let mut header = header.to_string();
            header.insert_str(1, &format!(r#""x":{nested},"#));
            key.sign_raw(header.as_bytes(), fresh(d).to_string().as_bytes())
                .into_bytes()
        }
        7 => {
            let header = json!({ "typ": PROOF_TYP, "alg": "EdDSA", "jwk": key.private_jwk() });
            signed(header, fresh(d))
        }
        8 => {
            let (alg, jwk) = *d.pick(ODD_JWKS);
            let jwk: Value = serde_json::from_str(jwk).unwrap_or(Value::Null);
            signed(
                json!({ "typ": PROOF_TYP, "alg": alg, "jwk": jwk }),
                fresh(d),
            )
        }
        9 => {
            let iat = *d.pick(ODD_IATS);
            let claims = fresh(d).to_string();
            let claims = claims.replace(&format!("\"iat\":{now}"), &format!("\"iat\":{iat}"));
            key.sign_raw(key.header().to_string().as_bytes(), claims.as_bytes())
                .into_bytes()
        }
        // Signed for real, but for another method or URL.
        10 => {
            let method = if d.rng.random_bool(0.5) {
                *d.pick(&["GET", "POST", "PUT", "get", "", "POST "])
            } else {
                method
            };
            let url = if d.rng.random_bool(0.7) {
                d.pick(ODD_HTUS).replace("{origin}", &credentials.origin)
            } else {
                url.to_owned()
            };
            signed(key.header(), claims(method, &url, token, &jti(d), now))
        }
        11 => {
            let typ = d
                .pick(&[json!("JWT"), json!("DPOP+JWT"), json!(1), json!(null)])
                .clone();
            let header = json!({ "typ": typ, "alg": "EdDSA", "jwk": key.public_jwk() });
            signed(header, fresh(d))
        }
        12 => {
            let mut claims = fresh(d);
            let jti = match d.rng.random_range(0..5) {
                0 => Value::Null,
                1 => json!(""),
                2 => json!("j".repeat(d.rng.random_range(257..2000))),
                3 => json!(7),
                // The same id every time: all but the first are replays.
                _ => json!("fuzz-replayed-jti"),
            };
            claims["jti"] = jti;
            signed(key.header(), claims)
        }
        // A broken signature: cut short, flipped, or absent.
        13 => {
            let proof = key.proof(method, url, token, &jti(d));
            let cut = proof.len() - d.rng.random_range(1..20);
            match d.rng.random_range(0..3) {
                0 => proof.as_bytes()[..cut].to_vec(),
                1 => {
                    let mut bytes = proof.into_bytes();
                    let at = d.rng.random_range(bytes.len() - 40..bytes.len());
                    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
                    bytes
                }
                _ => proof
                    .rsplit_once('.')
                    .map_or(proof.clone(), |(input, _)| format!("{input}."))
                    .into_bytes(),
            }
        }
        // Header and claims that are not JSON objects, signed.
        14 => {
            let segments: &[&[u8]] = &[b"null", b"[]", b"\"dpop+jwt\"", b"{", b"\xff\xfe", b""];
            let header = *d.pick(segments);
            key.sign_raw(header, fresh(d).to_string().as_bytes())
                .into_bytes()
        }
        // A valid proof with a missing or wrong `ath`, or one where none belongs.
        _ => {
            let token = match (token, d.rng.random_range(0..3)) {
                (Some(_), 0) => None,
                (None, 0) => Some(credentials.bound_token.as_str()),
                (_, 1) => Some("not the token"),
                (token, _) => token,
            };
            let mut claims = claims(method, url, token, &jti(d), now);
            if d.rng.random_bool(0.3) {
                claims["ath"] = json!(base64url(&[0; 32]));
            }
            signed(key.header(), claims)
        }
    }
}

fn jti(d: &mut Draw) -> String {
    base64url(&d.rng.random::<[u8; 16]>())
}

fn dpop(value: Vec<u8>) -> Header {
    (b"DPoP".to_vec(), value)
}

fn authorization(value: &str) -> Header {
    (b"Authorization".to_vec(), value.as_bytes().to_vec())
}
