//! Requests that are not valid HTTP/1.1. Whether hyper answers 400, 413, 414, 431 or closes is
//! its call; what the server owes is no 5xx, no hang, and to stay up for the next client.

mod common;

use std::time::Duration;

use common::http::{request, Outcome};
use common::{assert_alive, assert_no_server_error, assert_rejected, case_name, Server};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::time::Instant;

const HEAD: &str = "Host: localhost\r\n";
const LOGIN: &str = r#"{"username":"nobody","password":"not the password"}"#;

/// Each case gets a 4xx or a close, and the server stays alive.
async fn all_rejected(cases: &[Vec<u8>]) {
    let server = Server::start().await;
    for bytes in cases {
        let case = case_name(bytes);
        let outcome = server
            .exchange_patiently(bytes, Duration::from_millis(500))
            .await;
        assert_rejected(&server, &case, &outcome).await;
        assert_alive(&server, &case).await;
    }
}

fn bytes(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A POST to the login endpoint, which reads its body, with `framing` headers and `body` as is.
fn login_post(framing: &str, body: &[u8]) -> Vec<u8> {
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\n{HEAD}Content-Type: application/json\r\n{framing}\r\n"
    );
    bytes(&[head.as_bytes(), body])
}

#[tokio::test]
async fn malformed_request_lines_are_rejected() {
    let lines: &[&[u8]] = &[
        b"GET\r\n",
        b"GET /healthz HTTP/1.1 extra\r\n",
        b"GET  /healthz HTTP/1.1\r\n",
        b" GET /healthz HTTP/1.1\r\n",
        b"/healthz HTTP/1.1\r\n",
        b"GET /healthz HTTP/9.9\r\n",
        b"GET /healthz http/1.1\r\n",
        b"GET /healthz HTTP/1.1.1\r\n",
        b"GET /healthz\tHTTP/1.1\r\n",
        b"GET /heal\x00thz HTTP/1.1\r\n",
        b"GET /heal thz HTTP/1.1\r\n",
        b"G@T /healthz HTTP/1.1\r\n",
        b"GET /healthz HTTP/1.1\rX\r\n",
    ];
    let cases: Vec<Vec<u8>> = lines
        .iter()
        .map(|l| bytes(&[l, HEAD.as_bytes(), b"\r\n"]))
        .collect();
    all_rejected(&cases).await;
}

#[tokio::test]
async fn invalid_bytes_in_headers_are_rejected() {
    let headers: &[&[u8]] = &[
        b"X-Nul: a\x00b\r\n",
        b"X-Del: a\x7fb\r\n",
        b"X-\xffName: value\r\n",
        b"X-\x80: value\r\n",
        b"X Space: value\r\n",
        b"X-Before-Colon : value\r\n",
        b"X-Folded: first\r\n second line\r\n",
        b"X-Folded: first\r\n\tsecond line\r\n",
        b"NoColonHere\r\n",
        b": no name\r\n",
        b"X-Bare-Cr: a\rb\r\n",
    ];
    let cases: Vec<Vec<u8>> = headers
        .iter()
        .map(|h| bytes(&[b"GET /healthz HTTP/1.1\r\n", HEAD.as_bytes(), h, b"\r\n"]))
        .collect();
    all_rejected(&cases).await;
}

#[tokio::test]
async fn oversized_heads_are_rejected() {
    let long_value = "a".repeat(100 * 1024);
    let one_huge_header = format!("GET /healthz HTTP/1.1\r\n{HEAD}X-Huge: {long_value}\r\n\r\n");
    let many: String = (0..200).map(|i| format!("X-Header-{i}: {i}\r\n")).collect();
    let many_headers = format!("GET /healthz HTTP/1.1\r\n{HEAD}{many}\r\n");
    let long_path = format!("/{}", "a".repeat(64 * 1024));
    let long_query = format!("/healthz?q={}", "a".repeat(64 * 1024));
    let long_api_path = format!("/api/{}", "a".repeat(64 * 1024));
    all_rejected(&[
        one_huge_header.into_bytes(),
        many_headers.into_bytes(),
        request("GET", &long_path, None),
        request("GET", &long_query, None),
        request("POST", &long_api_path, Some(LOGIN)),
    ])
    .await;
}

#[tokio::test]
async fn a_content_length_larger_than_the_body_then_eof_is_rejected() {
    let server = Server::start().await;
    // The API reads the body, so it must notice the lie; a page may answer before reading.
    for (path, reads_body) in [
        ("/api/auth/login", true),
        ("/api/auth/signup", true),
        ("/login", false),
        ("/healthz", false),
    ] {
        let head = format!("POST {path} HTTP/1.1\r\n{HEAD}Content-Type: application/json\r\n");
        let bytes = format!("{head}Content-Length: 100\r\n\r\n{{\"username");
        let case = case_name(bytes.as_bytes());
        let outcome = server.exchange_then_half_close(bytes.as_bytes()).await;
        if reads_body {
            assert_rejected(&server, &case, &outcome).await;
        } else {
            assert_no_server_error(&server, &case, &outcome).await;
        }
        assert_alive(&server, &case).await;
    }
}

#[tokio::test]
async fn a_content_length_smaller_than_the_body_leaves_only_a_rejected_remainder() {
    let server = Server::start().await;
    let bytes = login_post("Content-Length: 5\r\n", LOGIN.as_bytes());
    let case = case_name(&bytes);
    let mut conn = server.connect().await;
    conn.send(&bytes).await;
    let deadline = Instant::now() + common::http::ANSWER_DEADLINE;
    let first = conn.response(false, deadline).await;
    // `{"use` is not valid JSON: a client error, like the rest read as a request of its own.
    assert_rejected(&server, &case, &first).await;
    if matches!(first, Outcome::Answered(_)) {
        let second = conn.response(false, deadline).await;
        assert_rejected(&server, &format!("{case} (the remainder)"), &second).await;
    }
    assert_alive(&server, &case).await;
}

#[tokio::test]
async fn invalid_content_lengths_are_rejected() {
    let framings = [
        "Content-Length: abc\r\n",
        "Content-Length: -1\r\n",
        "Content-Length: 1e3\r\n",
        "Content-Length: 10 10\r\n",
        "Content-Length: 99999999999999999999999\r\n",
        "Content-Length: 51\r\nContent-Length: 52\r\n",
        "Content-Length: 51, 52\r\n",
    ];
    let cases: Vec<Vec<u8>> = framings
        .iter()
        .map(|f| login_post(f, LOGIN.as_bytes()))
        .collect();
    all_rejected(&cases).await;
}

#[tokio::test]
async fn content_length_together_with_chunked_is_no_server_error() {
    // RFC 9112 §6.1 lets a server reject this or follow Transfer-Encoding; either is fine.
    let server = Server::start().await;
    let chunked = format!("{:x}\r\n{LOGIN}\r\n0\r\n\r\n", LOGIN.len());
    for framing in [
        "Content-Length: 10\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 500\r\n",
    ] {
        let bytes = login_post(framing, chunked.as_bytes());
        let case = case_name(&bytes);
        let outcome = server
            .exchange_patiently(&bytes, Duration::from_millis(500))
            .await;
        assert_no_server_error(&server, &case, &outcome).await;
        assert_alive(&server, &case).await;
    }
}

#[tokio::test]
async fn broken_chunked_bodies_are_rejected() {
    let chunked = "Transfer-Encoding: chunked\r\n";
    let cases = [
        login_post(chunked, b"zz\r\nhello\r\n0\r\n\r\n"),
        login_post(chunked, b"5\r\nhello world\r\n0\r\n\r\n"),
        login_post(chunked, b"ffffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"),
        login_post(chunked, b"-5\r\nhello\r\n0\r\n\r\n"),
        login_post(chunked, b"5;\x00ext\r\nhello\r\n0\r\n\r\n"),
        login_post(chunked, b"5\r\nhello"),
        login_post(chunked, b"64\r\n{\"username\""),
        login_post(chunked, b""),
        login_post("Transfer-Encoding: gzip\r\n", b"5\r\nhello\r\n0\r\n\r\n"),
        login_post(
            "Transfer-Encoding: chunked, gzip\r\n",
            b"5\r\nhello\r\n0\r\n\r\n",
        ),
        login_post(
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            b"0\r\n\r\n",
        ),
    ];
    all_rejected(&cases).await;
}

#[tokio::test]
async fn an_http_0_9_request_is_rejected() {
    all_rejected(&[b"GET /healthz\r\n".to_vec(), b"GET /\r\n\r\n".to_vec()]).await;
}

#[tokio::test]
async fn an_http_2_preface_is_rejected() {
    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    // An empty SETTINGS frame, as a real HTTP/2 client sends right after the preface.
    let settings = [0u8, 0, 0, 4, 0, 0, 0, 0, 0];
    all_rejected(&[preface.to_vec(), bytes(&[preface, &settings])]).await;
}

#[tokio::test]
async fn garbage_instead_of_a_request_line_is_rejected() {
    let seed = 0x6172_6261_6765;
    println!("garbage seed {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let cases: Vec<Vec<u8>> = (0..24)
        .map(|_| {
            let len = rng.random_range(1..400);
            let mut garbage: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            garbage.extend_from_slice(b"\r\n\r\n");
            garbage
        })
        .collect();
    all_rejected(&cases).await;
}
