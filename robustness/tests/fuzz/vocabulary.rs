//! The words the grammar draws from: each `ODD_*` list holds values that broke, or could break,
//! some HTTP server; the plain lists hold what a real client sends.

pub const PATHS: &[&str] = &[
    "/api/auth/login",
    "/api/auth/signup",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/auth/sessions",
    "/api/auth/sessions/x",
    "/api/me",
    "/login",
    "/signup",
    "/account",
    "/",
    "/healthz",
    "/readyz",
    "/pkg/x.wasm",
    "/pkg/tokengate.js",
    "/.well-known/jwks.json",
    "/favicon.ico",
    "/api",
    "/api/",
    "/api/account",
    "/api/auth/password-reset/confirm",
    "/api/auth/passkeys",
    "/api/auth/passkeys/register/start",
    "/api/auth/passkeys/register/finish",
    "/api/auth/passkeys/rename",
    "/api/auth/passkeys/delete",
    "/api/auth/passkeys/login/start",
    "/api/auth/passkeys/login/finish",
    "/api/auth/passkeys/signup/start",
    "/api/auth/passkeys/signup/finish",
];
/// Requests that check a DPoP proof: token requests, and calls with the bound token.
pub const DPOP_TARGETS: &[(&str, &str)] = &[
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/signup"),
    ("POST", "/api/auth/refresh"),
    ("GET", "/api/me"),
    ("POST", "/api/me"),
    ("GET", "/api/account"),
    ("GET", "/api/auth/sessions"),
    ("GET", "/api/auth/passkeys"),
];
pub const QUERIES: &[&str] = &["next=/account", "js=required", "a=1&a=2", "next=%2Faccount"];
pub const ODD_QUERIES: &[&str] = &[
    "next=//evil.example",
    "%",
    "x=\u{e9}",
    "=&=",
    "&&&",
    "a=%zz",
];

pub const METHODS: &[&str] = &["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"];
pub const ODD_METHODS: &[&str] = &[
    "CONNECT", "TRACE", "PRI", "get", "Post", "M-SEARCH", "PROPFIND", "FOO", "G", "GET!", "QUERY",
];

pub const ODD_SEGMENTS: &[&str] = &[
    "..",
    ".",
    "%2e%2e",
    "%2E%2e%2f",
    "%00",
    "%ff",
    "%zz",
    "%",
    "%c0%ae",
    "a%2fb",
    "\u{e9}",
    "\u{202e}",
    "\u{1f600}",
    "~",
    ";x=1",
    "a b",
    "a+b",
    "//",
    "\\",
    "*",
    "@",
    ":80",
    "%0d%0a",
];

pub const HOSTS: &[&[u8]] = &[
    b"example.com",
    b"example.com:80",
    b"localhost:3000",
    b"127.0.0.1",
    b"[::1]:443",
    b"user:pw@example.com",
    b"a..b",
    b"",
    b"ex\xc3\xa4mple.com",
    b"example.com:99999",
];

pub const HEADERS: &[(&str, &str)] = &[
    ("Accept", "*/*"),
    ("Accept", "application/json"),
    ("Accept", "text/html,application/xhtml+xml"),
    ("Accept-Encoding", "gzip, br"),
    ("Accept-Language", "en-US,en;q=0.9"),
    ("User-Agent", "tokengate-robustness"),
    ("Origin", "http://localhost"),
    ("Referer", "http://localhost/login"),
    ("Connection", "keep-alive"),
    ("Connection", "close"),
    ("X-Request-Id", "fuzz-0001"),
    ("X-Forwarded-For", "203.0.113.7"),
    ("Sec-Fetch-Site", "same-origin"),
    ("If-None-Match", "\"abc\""),
];
pub const ODD_HEADER_NAMES: &[&str] = &[
    "Accept",
    "Accept-Encoding",
    "Authorization",
    "Cookie",
    "X-Forwarded-For",
    "X-Real-Ip",
    "Forwarded",
    "Origin",
    "Referer",
    "Range",
    "If-None-Match",
    "If-Modified-Since",
    "X-Request-Id",
    "Connection",
    "Upgrade",
    "Expect",
    "Te",
    "Trailer",
    "Content-Encoding",
    "X-Http-Method-Override",
    "Host",
    "Content-Type",
];
pub const ODD_HEADER_VALUES: &[&str] = &[
    "",
    " ",
    "*",
    "identity;q=0",
    "bytes=0-0",
    "bytes=-1,0-",
    "upgrade",
    "Upgrade, HTTP2-Settings",
    "websocket",
    "h2c",
    "100-continue",
    "trailers",
    "null",
    "::1",
    "unknown, 10.0.0.1",
    "for=\"[::1]\"",
    "https://evil",
    "Bearer",
    "Bearer ",
    "Basic YWRtaW46YWRtaW4=",
    "Bearer a.b.c",
    "Bearer \u{e9}",
    "tg_refresh=x; tg_refresh=y",
    "W/\"x\"",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "DELETE",
    "gzip",
    "br",
];

pub const ODD_CONTENT_TYPES: &[&str] = &[
    "APPLICATION/JSON",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/cbor",
    "application/json; charset=utf-16",
    "",
    "application/json, text/plain",
];
pub const ODD_CONTENT_LENGTHS: &[&str] = &[
    "abc",
    "-1",
    "1e3",
    "0x10",
    "+5",
    "99999999999999999999",
    "5, 6",
    "",
    " 5",
];
pub const ODD_TRANSFER_ENCODINGS: &[&str] = &[
    "Chunked",
    "gzip, chunked",
    "chunked, gzip",
    "identity",
    "chunked, chunked",
    "x",
];

/// `DPoP` header values that are not a compact JWS, or not one in base64url.
pub const NOT_A_JWS: &[&str] = &[
    "a",
    "a.b",
    "a.b.c",
    "a.b.c.d.e",
    "....",
    ".",
    "eyJ",
    "e30.e30.e30",
    "eyJhbGciOiJub25lIn0.e30.",
    "eyJ0eXAiOiJkcG9wK2p3dCJ9..",
    "a b.c d.e f",
    "null",
    "Bearer a.b.c",
    "\u{e9}.\u{e9}.\u{e9}",
    "%7B%7D.%7B%7D.x",
];

/// `Authorization` values of the DPoP scheme without a usable token.
pub const ODD_AUTHORIZATION_DPOP: &[&str] = &[
    "DPoP",
    "DPoP ",
    "DPoP  ",
    "dpop x",
    "DPOP a.b.c",
    "DPoP\ttoken",
    "DPoP a b c",
    "DPoP,Bearer x",
    "DPoPx token",
    "DPoP eyJhbGciOiJFZERTQSJ9.e30.AAAA",
];

/// `htu`s that are not this request's URL (`{origin}` is the server's public origin).
pub const ODD_HTUS: &[&str] = &[
    "{origin}",
    "{origin}/",
    "{origin}/api/other",
    "{origin}/API/ME",
    "{origin}/api/me/../me",
    "{origin}/%61pi/me",
    "{origin}/api/auth/login#fragment",
    "http://evil.example/api/me",
    "https://localhost/api/me",
    "/api/me",
    "",
    "\u{0}",
];

/// `iat` values as raw JSON: out of range for an `i64`, not integers, not numbers.
pub const ODD_IATS: &[&str] = &[
    "1e300",
    "-1e300",
    "1.5",
    "0",
    "-1",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "99999999999999999999999999999999",
    "\"now\"",
    "null",
    "[]",
    "{}",
    "true",
];

/// A proof header's `alg` with a `jwk` that does not fit it or is no key at all.
pub const ODD_JWKS: &[(&str, &str)] = &[
    ("EdDSA", r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#),
    ("RS256", r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#),
    ("HS256", r#"{"kty":"oct","k":"c2VjcmV0"}"#),
    ("none", r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#),
    (
        "EdDSA",
        r#"{"kty":"OKP","crv":"X25519","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
    ),
    ("EdDSA", r#"{"kty":"OKP","crv":"P-256","x":"AAAA"}"#),
    ("EdDSA", r#"{"kty":"OKP","crv":"Ed25519"}"#),
    ("EdDSA", r#"{"kty":"OKP","crv":"Ed25519","x":""}"#),
    ("EdDSA", r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#),
    (
        "EdDSA",
        r#"{"kty":"OKP","crv":"Ed25519","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
    ),
    ("EdDSA", r#"{"kty":"OKP","crv":"Ed25519","x":"!!!!"}"#),
    ("EdDSA", r#"{"kty":"OKP","crv":"Ed25519","x":7}"#),
    (
        "EdDSA",
        r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#,
    ),
    (
        "ES256",
        r#"{"kty":"EC","crv":"Ed25519","x":"AAAA","y":"AAAA"}"#,
    ),
    (
        "ES256",
        r#"{"kty":"EC","crv":"P-384","x":"AAAA","y":"AAAA"}"#,
    ),
    (
        "ES256",
        r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#,
    ),
    (
        "ES256",
        r#"{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
    ),
    (
        "ES256",
        r#"{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
    ),
    (
        "ES256",
        r#"{"kty":"OKP","crv":"Ed25519","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#,
    ),
    ("EdDSA", r#""a key""#),
    ("EdDSA", "[]"),
    ("EdDSA", "null"),
    ("EdDSA", "{}"),
    (
        "ES512",
        r#"{"kty":"EC","crv":"P-521","x":"AAAA","y":"AAAA"}"#,
    ),
    ("eddsa", r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA"}"#),
];

/// Attestation statement formats webauthn-rs knows, and some it does not.
pub const ATTESTATION_FORMATS: &[&str] = &[
    "none",
    "none",
    "packed",
    "tpm",
    "android-key",
    "android-safetynet",
    "fido-u2f",
    "apple",
    "compound",
    "",
    "NONE",
];

/// CBOR that declares more than it holds, never ends, or is no attestation object.
pub const ODD_CBOR: &[&[u8]] = &[
    b"",
    b"\xa0",
    b"\xff",
    // A byte string of 2^64 - 1 bytes, and a map of as many entries.
    b"\xa1\x68authData\x5b\xff\xff\xff\xff\xff\xff\xff\xff",
    b"\xbb\xff\xff\xff\xff\xff\xff\xff\xff",
    // Indefinite-length map and byte string without their break.
    b"\xbf\x63fmt\x64none",
    b"\xa1\x68authData\x5f\x41\x00",
    // Tags, a float key, a key that is a map.
    b"\xd8\x18\x45\xa1\x63fmt\x60",
    b"\xa1\xfb\x7f\xf0\x00\x00\x00\x00\x00\x00\x00",
    b"\xa1\xa0\x00",
    // The three members with the wrong types.
    b"\xa3\x63fmt\x01\x67attStmt\x60\x68authData\x80",
    // authData shorter than its 37 fixed bytes.
    b"\xa3\x63fmt\x64none\x67attStmt\xa0\x68authData\x44\x00\x00\x00\x00",
];
