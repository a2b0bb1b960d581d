//! Connection floods against `TOKENGATE_MAX_CONNECTIONS`: the cap may make clients wait or turn
//! them away, but it must not take the server down, and its slots must come back.

mod common;

use std::time::Duration;

use common::http::{request, Outcome};
use common::{assert_alive, Server};
use tokio::net::TcpStream;
use tokio::time::Instant;

const CAP: (&str, &str) = ("TOKENGATE_MAX_CONNECTIONS", "8");
const FLOOD: usize = 30;
/// How long the server may take to serve a new client once the flood has ended.
const RECOVERY: Duration = Duration::from_secs(15);

/// Opens `FLOOD` connections; a refused one is fine (the cap may refuse), a dead server is not.
async fn flood(server: &Server) -> Vec<TcpStream> {
    let mut held = Vec::new();
    for _ in 0..FLOOD {
        let connect = tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(server.addr));
        if let Ok(Ok(stream)) = connect.await {
            held.push(stream);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    if server.exit_status().is_some() {
        server
            .fail(&format!("{FLOOD} connections held open"), "the server died")
            .await;
    }
    held
}

/// Retries `GET /healthz` until it is answered 200 or `RECOVERY` has passed.
async fn served_again(server: &Server, case: &str) {
    let give_up = Instant::now() + RECOVERY;
    loop {
        if server.exit_status().is_some() {
            server.fail(case, "the server died").await;
        }
        let mut conn = server.connect().await;
        conn.send(&request("GET", "/healthz", None)).await;
        let attempt_ends = (Instant::now() + Duration::from_secs(2)).min(give_up);
        let outcome = conn.response(false, attempt_ends).await;
        if matches!(&outcome, Outcome::Answered(r) if r.status == 200) {
            return;
        }
        if Instant::now() >= give_up {
            let problem = format!("no 200 within {RECOVERY:?}; last attempt: {outcome}");
            server.fail(case, &problem).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn idle_connections_beyond_the_cap_neither_crash_the_server_nor_leak_slots() {
    let server = Server::start_with(&[CAP]).await;
    let case = format!("{FLOOD} idle connections against a cap of 8, then dropped");
    let held = flood(&server).await;
    drop(held);
    served_again(&server, &case).await;
    assert_alive(&server, &case).await;
}

#[tokio::test]
async fn half_sent_requests_holding_every_slot_are_timed_out_so_new_clients_get_in() {
    let server = Server::start_with(&[CAP, ("TOKENGATE_HEADER_READ_TIMEOUT_SECS", "2")]).await;
    let case = format!("{FLOOD} connections each sending half a request and keeping the socket");
    let mut held = flood(&server).await;
    for stream in &mut held {
        let _ = tokio::io::AsyncWriteExt::write_all(stream, b"GET /healthz HTTP/1.1\r\n").await;
    }
    // The attacker keeps every socket open: only the server's timeout can free the slots.
    served_again(&server, &case).await;
    assert_alive(&server, &case).await;
    drop(held);
}
