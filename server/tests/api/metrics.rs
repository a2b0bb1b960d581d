//! Prometheus metrics (issue 16): `GET /metrics` on `TOKENGATE_METRICS_ADDR`, a listener of its
//! own, never on the public port.

mod signatures;

use crate::helpers::{assert_error, header, json_with_status, send, Backend, TestServer};

const PASSWORD: &str = "correct horse";

/// A loopback address with a port that was free a moment ago (the server must be told a real
/// port: with port 0 the test could not find the one it got).
fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("cannot bind loopback");
    let address = listener.local_addr().expect("bound address");
    address.to_string()
}

async fn with_metrics(backend: Backend) -> (TestServer, String) {
    let address = free_address();
    let server = TestServer::spawn_with(backend, &[("TOKENGATE_METRICS_ADDR", &address)]).await;
    (server, format!("http://{address}/metrics"))
}

/// The exposition text, asserted 200 and in the Prometheus text format.
async fn scrape(server: &TestServer, url: &str) -> String {
    let response = send(server.client.get(url)).await;
    assert_eq!(response.status().as_u16(), 200);
    let content_type = header(response.headers(), "content-type").map(str::to_owned);
    assert_eq!(
        content_type.as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    response.text().await.expect("metrics text")
}

fn value_of<'a>(text: &'a str, series: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
}

async fn logins_are_counted_by_outcome(backend: Backend) {
    let (server, metrics) = with_metrics(backend).await;
    server.signed_up("alice", PASSWORD).await;
    let wrong = server.login("alice", "wrong password").await;
    assert_error(wrong, 401, "invalid_credentials").await;
    json_with_status(server.login("alice", PASSWORD).await, 200).await;

    let text = scrape(&server, &metrics).await;

    // The exporter orders the series of one metric as it likes.
    let mut lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("tokengate_logins_total"))
        .collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            r#"tokengate_logins_total{outcome="failed"} 1"#,
            r#"tokengate_logins_total{outcome="succeeded"} 1"#,
        ],
        "{text}"
    );
}

async fn the_pool_and_the_mail_queue_are_sampled_from_the_start(backend: Backend) {
    let (server, metrics) = with_metrics(backend).await;

    let text = scrape(&server, &metrics).await;

    assert!(
        text.contains("# TYPE tokengate_db_pool_connections gauge"),
        "{text}"
    );
    let open = value_of(&text, "tokengate_db_pool_connections").expect("pool size");
    let open: f64 = open.parse().expect("a number");
    assert!((1.0..=10.0).contains(&open), "{text}");
    assert!(
        value_of(&text, "tokengate_db_pool_idle_connections").is_some(),
        "{text}"
    );
    assert_eq!(
        value_of(&text, "tokengate_mail_queue_pending"),
        Some("0"),
        "{text}"
    );
    assert_eq!(
        value_of(&text, "tokengate_mail_queue_failed"),
        Some("0"),
        "{text}"
    );
}

async fn the_public_port_does_not_serve_metrics(backend: Backend) {
    let (server, _) = with_metrics(backend).await;

    let response = server.get("/metrics").await;

    assert_eq!(response.status().as_u16(), 404);
}

on_both_backends!(
    logins_are_counted_by_outcome,
    the_pool_and_the_mail_queue_are_sampled_from_the_start,
    the_public_port_does_not_serve_metrics,
);
