//! A grammar for hostile HTTP/1 requests, deterministic for a given `StdRng`.
//!
//! A request has ten parts (method, target, path, version, line ends, host, headers, body,
//! framing, DPoP). Each part is either plain, what a real client sends, or odd, drawn from values
//! that broke or could break a server. A third of the cases are plain throughout, so they reach the
//! handlers; a third have exactly one odd part, so the oddity gets past the parser into the
//! code behind it; a third are odd anywhere, and some of those get random bytes flipped.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::Rng;

use crate::body::{body, frame};
use crate::common::dpop::ProofKey;
use crate::common::webauthn::SoftPasskey;
use crate::dpop;
use crate::passkeys::Ceremony;
use crate::vocabulary::*;

pub struct Case {
    pub bytes: Vec<u8>,
    /// The server may legitimately wait for more (a short body, a broken head): end with FIN.
    pub may_wait: bool,
}

/// The fuzzing account, so some cases get past authentication.
pub struct Credentials {
    pub username: String,
    pub password: String,
    /// Unbound (`Bearer`).
    pub access_token: String,
    pub cookies: Vec<String>,
    /// The server's public origin (`http://localhost:<port>`): DPoP `htu`s and WebAuthn origins.
    pub origin: String,
    /// The WebAuthn relying party id (the public host).
    pub rp_id: String,
    /// The account's DPoP key, and an access token bound to it.
    pub proof_key: ProofKey,
    pub bound_token: String,
    /// Passkey ceremonies started for the account, to be finished (once) or replayed.
    pub ceremonies: Vec<Ceremony>,
    /// The account's passkey (registered), and its user handle.
    pub passkey: SoftPasskey,
    pub passkey_handle: Vec<u8>,
}

/// The parts of a request, as indexes into `Draw::odd`.
const PARTS: usize = 10;
const METHOD: usize = 0;
const TARGET: usize = 1;
const PATH: usize = 2;
const VERSION: usize = 3;
const EOL: usize = 4;
const HOST: usize = 5;
const HEADERS_PART: usize = 6;
pub const BODY: usize = 7;
pub const FRAMING: usize = 8;
pub const DPOP: usize = 9;

pub struct Draw<'a> {
    pub rng: &'a mut StdRng,
    pub odd: [bool; PARTS],
    pub may_wait: bool,
}

impl Draw<'_> {
    pub fn pick<'v, T>(&mut self, values: &'v [T]) -> &'v T {
        values
            .choose(self.rng)
            .expect("vocabulary lists are not empty")
    }
}

pub fn case(rng: &mut StdRng, credentials: &Credentials) -> Case {
    let mut odd = [false; PARTS];
    let chaos = match rng.random_range(0..3) {
        0 => false,
        1 => {
            odd[rng.random_range(0..PARTS)] = true;
            false
        }
        _ => {
            odd = std::array::from_fn(|_| rng.random_bool(0.4));
            true
        }
    };
    let mut d = Draw {
        rng,
        odd,
        may_wait: false,
    };
    let eol: &[u8] = if d.odd[EOL] { b"\n" } else { b"\r\n" };
    // A hostile proof mostly goes where proofs are checked, or nothing would look at it.
    let checked = d.odd[DPOP] && !d.odd[METHOD] && !d.odd[PATH] && d.rng.random_ratio(3, 4);
    let dpop_target = checked.then(|| *d.pick(DPOP_TARGETS));
    let mut head = match dpop_target {
        Some((method, _)) => method.as_bytes().to_vec(),
        None => method(&mut d),
    };
    let method_end = head.len();
    head.push(b' ');
    let path = match dpop_target {
        Some((_, path)) => path.as_bytes().to_vec(),
        None => path(&mut d),
    };
    head.extend_from_slice(&target(&mut d, &path));
    head.extend_from_slice(version(&mut d));
    head.extend_from_slice(eol);
    let line = |head: &mut Vec<u8>, name: &[u8], value: &[u8]| {
        head.extend_from_slice(&[name, b": ", value, eol].concat());
    };
    let method = head[..method_end].to_vec();
    let request = dpop::Request {
        method: &method,
        path: &path,
    };
    let dpop_headers = dpop::headers(&mut d, credentials, &request);
    for (name, value) in host_headers(&mut d)
        .into_iter()
        .chain(headers(&mut d, credentials))
        .chain(dpop_headers)
    {
        line(&mut head, &name, &value);
    }
    let body = body(&mut d, credentials, &path);
    if !body.is_empty() {
        let content_type = if d.odd[BODY] {
            *d.pick(ODD_CONTENT_TYPES)
        } else {
            "application/json"
        };
        line(&mut head, b"Content-Type", content_type.as_bytes());
    }
    let mut framing = Vec::new();
    let body = frame(&mut d, &mut framing, body);
    for (name, value) in framing {
        line(&mut head, name.as_bytes(), value.as_bytes());
    }
    head.extend_from_slice(eol);
    let mut bytes = [head, body].concat();
    if chaos && d.rng.random_ratio(1, 4) {
        mutate(d.rng, &mut bytes);
        d.may_wait = true;
    }
    Case {
        bytes,
        may_wait: d.may_wait,
    }
}

fn method(d: &mut Draw) -> Vec<u8> {
    if !d.odd[METHOD] {
        // Mostly what the routes take, so that plain cases reach handlers rather than a 405.
        let method = match d.rng.random_range(0..10) {
            0..=3 => "GET",
            4..=7 => "POST",
            _ => d.pick(METHODS),
        };
        return method.as_bytes().to_vec();
    }
    match d.rng.random_range(0..6) {
        0 => "A".repeat(d.rng.random_range(100..5000)).into_bytes(),
        1 => {
            d.may_wait = true;
            random_bytes(d.rng, 1..12, b"!#$%&'*+-.^_`|~ABCXYZ\x00\x7f\t")
        }
        _ => d.pick(ODD_METHODS).as_bytes().to_vec(),
    }
}

fn target(d: &mut Draw, path: &[u8]) -> Vec<u8> {
    let path = path.to_vec();
    if !d.odd[TARGET] {
        return path;
    }
    let host = d.pick(HOSTS).to_vec();
    match d.rng.random_range(0..7) {
        0 | 1 => [b"http://".as_slice(), &host, &path].concat(),
        2 => [b"https://".as_slice(), &host, &path].concat(),
        3 => host,
        4 => b"*".to_vec(),
        5 => path.strip_prefix(b"/").unwrap_or(&path).to_vec(),
        _ => [b"//".as_slice(), &host, &path].concat(),
    }
}

fn path(d: &mut Draw) -> Vec<u8> {
    let mut path = d.pick(PATHS).as_bytes().to_vec();
    if d.odd[PATH] {
        for _ in 0..d.rng.random_range(1..4) {
            if d.rng.random_bool(0.5) {
                path.push(b'/');
            }
            path.extend_from_slice(d.pick(ODD_SEGMENTS).as_bytes());
        }
        if d.rng.random_ratio(1, 5) {
            let segment = *d.pick(ODD_SEGMENTS);
            path.extend_from_slice(segment.repeat(d.rng.random_range(100..3000)).as_bytes());
        }
        if d.rng.random_ratio(1, 3) {
            path.push(b'?');
            path.extend_from_slice(d.pick(ODD_QUERIES).as_bytes());
        }
        if d.rng.random_ratio(1, 6) {
            path.extend_from_slice(b"#fragment");
        }
    } else if d.rng.random_ratio(1, 5) {
        path.push(b'?');
        path.extend_from_slice(d.pick(QUERIES).as_bytes());
    }
    path
}

fn version(d: &mut Draw) -> &'static [u8] {
    if !d.odd[VERSION] {
        return if d.rng.random_ratio(1, 10) {
            b" HTTP/1.0"
        } else {
            b" HTTP/1.1"
        };
    }
    let odd: &[&'static [u8]] = &[b" HTTP/2.0", b" HTTP/1.2", b" http/1.1", b" HTTP/1", b""];
    let version = *d.pick(odd);
    d.may_wait |= version.is_empty();
    version
}

pub type Header = (Vec<u8>, Vec<u8>);

fn host_headers(d: &mut Draw) -> Vec<Header> {
    let host = |value: &[u8]| (b"Host".to_vec(), value.to_vec());
    if !d.odd[HOST] {
        return vec![host(b"localhost")];
    }
    match d.rng.random_range(0..3) {
        0 => Vec::new(),
        1 => vec![host(b"localhost"), host(b"evil.example")],
        _ => {
            let chosen: &[u8] = d.pick::<&[u8]>(HOSTS);
            vec![host(chosen)]
        }
    }
}

fn headers(d: &mut Draw, credentials: &Credentials) -> Vec<Header> {
    let mut headers = Vec::new();
    if d.rng.random_ratio(1, 3) {
        let bearer = format!("Bearer {}", credentials.access_token);
        headers.push((b"Authorization".to_vec(), bearer.into_bytes()));
    }
    if d.rng.random_ratio(1, 3) {
        headers.push((
            b"Cookie".to_vec(),
            credentials.cookies.join("; ").into_bytes(),
        ));
    }
    for _ in 0..d.rng.random_range(0..4) {
        let (name, value) = *d.pick(HEADERS);
        headers.push((name.into(), value.into()));
    }
    if !d.odd[HEADERS_PART] {
        return headers;
    }
    for _ in 0..d.rng.random_range(1..4) {
        let name = match d.rng.random_range(0..6) {
            0 => {
                d.may_wait = true;
                random_bytes(d.rng, 1..20, b"abcXYZ-_.:\x00\x7f\x80\xff ")
            }
            _ => d.pick(ODD_HEADER_NAMES).as_bytes().to_vec(),
        };
        let value = match d.rng.random_range(0..6) {
            0 => {
                d.may_wait = true;
                random_bytes(d.rng, 0..40, b"aZ09 ;=,\"\t\x00\x01\x7f\x80\xc3\xa9\xff\r")
            }
            1 => "x".repeat(d.rng.random_range(1000..20_000)).into_bytes(),
            _ => d.pick(ODD_HEADER_VALUES).as_bytes().to_vec(),
        };
        headers.push((name, value));
    }
    headers
}

/// One to three byte flips, insertions or deletions anywhere.
fn mutate(rng: &mut StdRng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..=3) {
        if bytes.is_empty() {
            return;
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..3) {
            0 => bytes[at] ^= 1 << rng.random_range(0..8),
            1 => bytes.insert(at, rng.random()),
            _ => {
                bytes.remove(at);
            }
        }
    }
}

/// A length drawn from `len`, each byte drawn from `alphabet` (raw: invalid UTF-8 stays).
pub fn random_bytes(rng: &mut StdRng, len: std::ops::Range<usize>, alphabet: &[u8]) -> Vec<u8> {
    let n = rng.random_range(len);
    (0..n)
        .map(|_| *alphabet.choose(rng).unwrap_or(&b'a'))
        .collect()
}

pub fn random_text(rng: &mut StdRng, len: std::ops::Range<usize>, alphabet: &[u8]) -> String {
    String::from_utf8_lossy(&random_bytes(rng, len, alphabet)).into_owned()
}
