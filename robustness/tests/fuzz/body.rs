//! Bodies and their framing: what the request says about its length, and what it sends.

use rand::rngs::StdRng;
use rand::Rng;

use crate::grammar::{random_text, Credentials, Draw, BODY, DPOP, FRAMING};
use crate::vocabulary::{ODD_CONTENT_LENGTHS, ODD_TRANSFER_ENCODINGS};

pub fn body(d: &mut Draw, credentials: &Credentials, path: &[u8]) -> Vec<u8> {
    let path = String::from_utf8_lossy(path);
    let path = path.split(['?', '#']).next().unwrap_or("/");
    if path.starts_with("/api/auth/passkeys/") && d.rng.random_ratio(4, 5) {
        return crate::passkeys::body(d, credentials, path);
    }
    let json = |v: serde_json::Value| v.to_string().into_bytes();
    let name = random_text(d.rng, 0..40, b"abcdefxyz019_-. \xc3\xa9");
    let password = random_text(d.rng, 0..80, b"abc XYZ 123 !\"\\ \xf0\x9f\x98\x80");
    // A hostile proof on a token request is checked only after the password.
    if !d.odd[BODY] && d.odd[DPOP] && d.rng.random_ratio(3, 4) {
        let body = serde_json::json!({ "username": credentials.username, "password": credentials.password });
        return json(body);
    }
    if !d.odd[BODY] {
        return match d.rng.random_range(0..5) {
            0 => Vec::new(),
            1 => json(serde_json::json!({})),
            2 => json(
                serde_json::json!({ "username": credentials.username, "password": credentials.password }),
            ),
            _ => json(serde_json::json!({ "username": name, "password": password })),
        };
    }
    match d.rng.random_range(0..7) {
        0 => json(serde_json::json!({ "username": 1, "password": [null], "extra": {} })),
        1 => format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes(),
        2 => json(serde_json::json!({ "username": "a".repeat(70_000), "password": "p" })),
        3 => format!("username={name}&password={password}").into_bytes(),
        4 => br#"{"username":"a","password":"b""#.to_vec(),
        5 => br#"{"username":"a","username":"b","password":"c"}"#.to_vec(),
        _ => (0..d.rng.random_range(1..600))
            .map(|_| d.rng.random())
            .collect(),
    }
}

/// Pushes the framing headers for `body`; returns the bytes to send after the head.
pub fn frame(d: &mut Draw, headers: &mut Vec<(&str, String)>, body: Vec<u8>) -> Vec<u8> {
    let len = body.len();
    let chunked_body = |d: &mut Draw, body: &[u8]| chunked(d.rng, body, !d.odd[FRAMING]);
    if !d.odd[FRAMING] {
        if body.is_empty() && d.rng.random_bool(0.5) {
            return body;
        }
        if d.rng.random_ratio(1, 5) {
            headers.push(("Transfer-Encoding", "chunked".into()));
            return chunked_body(d, &body);
        }
        headers.push(("Content-Length", len.to_string()));
        return body;
    }
    match d.rng.random_range(0..7) {
        0 => body, // no framing: the bytes read as a second request
        1 => {
            headers.push((
                "Content-Length",
                (len + d.rng.random_range(1..500)).to_string(),
            ));
            d.may_wait = true;
            body
        }
        2 => {
            headers.push(("Content-Length", (len / 2).to_string()));
            body
        }
        3 => {
            headers.push(("Content-Length", d.pick(ODD_CONTENT_LENGTHS).to_string()));
            body
        }
        4 => {
            headers.push(("Content-Length", len.to_string()));
            headers.push(("Content-Length", (len + 1).to_string()));
            body
        }
        _ => {
            if d.rng.random_bool(0.5) {
                headers.push(("Content-Length", len.to_string()));
            }
            let te = if d.rng.random_bool(0.5) {
                "chunked"
            } else {
                *d.pick(ODD_TRANSFER_ENCODINGS)
            };
            headers.push(("Transfer-Encoding", te.to_owned()));
            d.may_wait = true;
            chunked_body(d, &body)
        }
    }
}

/// `body` in random-sized chunks; unless `valid`, sometimes with a broken size or no last chunk.
fn chunked(rng: &mut StdRng, body: &[u8], valid: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let size = rng.random_range(1..=rest.len().min(4096));
        let (chunk, tail) = rest.split_at(size);
        let size_field = if !valid && rng.random_ratio(1, 4) {
            if rng.random_bool(0.5) {
                "zz".to_owned()
            } else {
                format!("{:x}", size + 7)
            }
        } else if rng.random_ratio(1, 10) {
            format!("{size:x};ext=1")
        } else {
            format!("{size:x}")
        };
        out.extend_from_slice(format!("{size_field}\r\n").as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
        rest = tail;
    }
    match (valid, rng.random_range(0..4)) {
        (_, 0) => out.extend_from_slice(b"0\r\nX-Trailer: 1\r\n\r\n"),
        (false, 1) => {}
        _ => out.extend_from_slice(b"0\r\n\r\n"),
    }
    out
}
