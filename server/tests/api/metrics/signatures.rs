//! Where new tokens' signatures are checked (`TOKENGATE_SIGNATURE_THREADS`): on verification
//! threads, each batch counted in `tokengate_signature_batch_size`, or, with 0, on the request's
//! own task with no batch at all. Either way a tampered token is refused. A count out of range
//! stops the start, naming the variable.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::{free_address, scrape, value_of, PASSWORD};
use crate::helpers::TestServer;
use crate::helpers::{assert_invalid_token, json_with_status, run_to_exit, Backend, Storage};
use crate::tokens::segment;

/// A server with the verified-token cache off, so every call checks its token's signature.
async fn uncached(backend: Backend, threads: &str) -> (TestServer, String) {
    let address = free_address();
    let env = [
        ("TOKENGATE_METRICS_ADDR", address.as_str()),
        ("TOKENGATE_TOKEN_CACHE_CAPACITY", "0"),
        ("TOKENGATE_SIGNATURE_THREADS", threads),
    ];
    let server = TestServer::spawn_with(backend, &env).await;
    (server, format!("http://{address}/metrics"))
}

/// `token` with the claims changed and the signature kept.
fn tampered(token: &str) -> String {
    let mut claims = segment(token, 1);
    claims["role"] = "admin".into();
    let parts: Vec<&str> = token.split('.').collect();
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

/// Batches checked so far and the signatures in them (0, 0 before the first).
async fn batches(server: &TestServer, metrics: &str) -> (u64, u64) {
    let text = scrape(server, metrics).await;
    let read = |series: &str| {
        value_of(&text, series).map_or(0, |v| v.parse::<f64>().expect("a number") as u64)
    };
    (
        read("tokengate_signature_batch_size_count"),
        read("tokengate_signature_batch_size_sum"),
    )
}

async fn new_tokens_are_checked_by_the_verification_threads(backend: Backend) {
    let (server, metrics) = uncached(backend, "2").await;
    let token = server.token_for("alice", PASSWORD).await;
    let before = batches(&server, &metrics).await;

    for _ in 0..5 {
        json_with_status(server.me(&token).await, 200).await;
    }
    assert_invalid_token(server.me(&tampered(&token)).await).await;

    // One call at a time: six batches of one signature each.
    let after = batches(&server, &metrics).await;
    assert_eq!((after.0 - before.0, after.1 - before.1), (6, 6));
}

async fn zero_threads_check_each_signature_on_the_request_task(backend: Backend) {
    let (server, metrics) = uncached(backend, "0").await;
    let token = server.token_for("alice", PASSWORD).await;

    for _ in 0..3 {
        json_with_status(server.me(&token).await, 200).await;
    }
    assert_invalid_token(server.me(&tampered(&token)).await).await;

    assert_eq!(batches(&server, &metrics).await, (0, 0));
}

async fn a_thread_count_out_of_range_stops_the_start(backend: Backend) {
    let storage = Storage::new(backend);
    for value in ["257", "-1", "many"] {
        let output = run_to_exit(&storage, &[("TOKENGATE_SIGNATURE_THREADS", value)]).await;

        assert!(!output.status.success(), "started with {value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("TOKENGATE_SIGNATURE_THREADS"),
            "stderr: {stderr}"
        );
    }
}

on_both_backends!(
    new_tokens_are_checked_by_the_verification_threads,
    zero_threads_check_each_signature_on_the_request_task,
    a_thread_count_out_of_range_stops_the_start,
);
