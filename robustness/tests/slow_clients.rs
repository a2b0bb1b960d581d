//! Slowloris and friends: clients that hold a connection while sending little or nothing.
//! Each must be cut off within a bounded time, and nobody else may wait for them.

mod common;

use std::time::Duration;

use common::http::{request, shown, Outcome};
use common::{assert_alive, Server};
use tokio::time::Instant;

const HEADER_TIMEOUT: (&str, &str) = ("TOKENGATE_HEADER_READ_TIMEOUT_SECS", "2");
const REQUEST_TIMEOUT: (&str, &str) = ("TOKENGATE_REQUEST_TIMEOUT_SECS", "2");
/// A 2 s timeout, plus the timer's granularity and a loaded CI machine.
const CUT_OFF_WITHIN: Duration = Duration::from_secs(6);
/// How long to keep watching past the bound, so a late close is measured, not just "late".
const WATCH_FOR: Duration = Duration::from_secs(9);
const TRICKLE: &[u8] = b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const BYTE_INTERVAL: Duration = Duration::from_millis(500);

/// Opens a connection, starts a request and trickles header bytes until the server hangs up.
async fn trickling_client(server: &Server) -> (Result<Vec<u8>, Vec<u8>>, Duration) {
    let mut conn = server.connect().await;
    let start = Instant::now();
    conn.send(b"GET /healthz HTTP/1.1\r\n").await;
    let result = conn
        .trickle(TRICKLE, BYTE_INTERVAL, start + WATCH_FOR)
        .await;
    (result, start.elapsed())
}

/// Asserts the connection was closed within the bound and without a 5xx.
async fn assert_cut_off(
    server: &Server,
    case: &str,
    result: &Result<Vec<u8>, Vec<u8>>,
    took: Duration,
) {
    let state = if result.is_ok() {
        "closed by the server"
    } else {
        "still open"
    };
    println!("{case}: {state} after {:.2} s", took.as_secs_f64());
    match result {
        Ok(sent) if took < CUT_OFF_WITHIN => {
            let status = Outcome::Closed {
                partial: sent.clone(),
            }
            .status();
            if status.is_some_and(|s| s >= 500) {
                server
                    .fail(case, &format!("answered with {}", shown(sent, 300)))
                    .await;
            }
        }
        Ok(_) => {
            let problem = format!(
                "closed only after {:.2} s (bound {CUT_OFF_WITHIN:?})",
                took.as_secs_f64()
            );
            server.fail(case, &problem).await;
        }
        Err(sent) => {
            let problem = format!(
                "still open after {WATCH_FOR:?}; received {}",
                shown(sent, 300)
            );
            server.fail(case, &problem).await;
        }
    }
}

#[tokio::test]
async fn a_client_trickling_header_bytes_is_disconnected_within_the_header_timeout() {
    let server = Server::start_with(&[HEADER_TIMEOUT]).await;
    let case = "GET /healthz HTTP/1.1 then one header byte per 500 ms";
    let (result, took) = trickling_client(&server).await;
    assert_cut_off(&server, case, &result, took).await;
    assert_alive(&server, case).await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_within_the_header_timeout() {
    let server = Server::start_with(&[HEADER_TIMEOUT]).await;
    let case = "one GET /healthz answered on a keep-alive connection, then silence";
    let mut conn = server.connect().await;
    conn.send(&request("GET", "/healthz", None)).await;
    let first = conn.response(false, Instant::now() + WATCH_FOR).await;
    if !matches!(&first, Outcome::Answered(r) if r.status == 200) {
        server
            .fail(case, &format!("the request itself: {first}"))
            .await;
    }
    let start = Instant::now();
    let result = conn.closed_by_server(start + WATCH_FOR).await;
    assert_cut_off(&server, case, &result.map(|()| Vec::new()), start.elapsed()).await;
    assert_alive(&server, case).await;
}

#[tokio::test]
async fn other_clients_are_served_while_slow_clients_hang_on() {
    let server = Server::start_with(&[HEADER_TIMEOUT]).await;
    let case = "GET /healthz from a fresh client while 6 slow clients hold connections";
    let mut slow = Vec::new();
    for _ in 0..3 {
        let mut trickler = server.connect().await;
        let mut idle = server.connect().await;
        slow.push(tokio::spawn(async move {
            trickler.send(b"POST /api/auth/login HTTP/1.1\r\n").await;
            let deadline = Instant::now() + Duration::from_secs(4);
            let _ = trickler.trickle(TRICKLE, BYTE_INTERVAL, deadline).await;
        }));
        slow.push(tokio::spawn(async move {
            let _ = idle
                .closed_by_server(Instant::now() + Duration::from_secs(4))
                .await;
        }));
    }
    for _ in 0..12 {
        let start = Instant::now();
        let outcome = server.exchange(&request("GET", "/healthz", None)).await;
        let took = start.elapsed();
        let served = matches!(&outcome, Outcome::Answered(r) if r.status == 200);
        if !served || took > Duration::from_secs(2) {
            server
                .fail(
                    case,
                    &format!("{outcome} after {:.2} s", took.as_secs_f64()),
                )
                .await;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for task in slow {
        let _ = task.await;
    }
    assert_alive(&server, case).await;
}

#[tokio::test]
async fn a_stalled_request_body_is_answered_or_closed_within_the_request_timeout() {
    let server = Server::start_with(&[REQUEST_TIMEOUT]).await;
    for path in ["/api/auth/login", "/api/auth/signup"] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        );
        let bytes = format!("{head}Content-Length: 100\r\n\r\n{{\"username");
        let case = format!("{} then a stall", shown(bytes.as_bytes(), 300));
        let mut conn = server.connect().await;
        let start = Instant::now();
        conn.send(bytes.as_bytes()).await;
        let outcome = conn.response(false, start + WATCH_FOR).await;
        let took = start.elapsed();
        println!("{case}: {outcome} after {:.2} s", took.as_secs_f64());
        let fine = match &outcome {
            Outcome::Answered(r) => r.status == 408 && r.error_code().is_some(),
            Outcome::Closed { .. } => outcome.status().is_none_or(|s| s < 500),
            Outcome::Silent { .. } => false,
        };
        if !fine || took >= CUT_OFF_WITHIN {
            let problem = format!(
                "expected a JSON 408 or a close within {CUT_OFF_WITHIN:?}, got {outcome} after {:.2} s",
                took.as_secs_f64()
            );
            server.fail(&case, &problem).await;
        }
        assert_alive(&server, &case).await;
    }
}
