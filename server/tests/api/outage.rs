//! PostgreSQL trouble. On a throwaway cluster of the test's own, stopped and started again
//! under a running server: stateless token checks keep working, whatever needs the database
//! answers 503 quickly, nothing hangs, and the same process recovers by itself. And the pool
//! never opens more connections than `TOKENGATE_DB_MAX_CONNECTIONS`.
//! Run with `--nocapture` to see the measured times.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{RequestBuilder, Response};
use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::helpers::pg_cluster::PgCluster;
use crate::helpers::{assert_error, json_with_status, Backend, Storage, TestServer};
use crate::multi_instance::{refresh_cookie, refresh_request, tokens};

const PASSWORD: &str = "correct horse";
/// No request of these tests may take longer: a hang fails the test.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Bound on a 503 that needs the database (acquire timeout 2 s, plus slack for a busy host).
const FAIL_BOUND: Duration = Duration::from_secs(10);
/// `/readyz` gives the database 2 s.
const READYZ_BOUND: Duration = Duration::from_millis(3500);
/// Bound on one request of the 60 that share 3 connections.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// How long the server may take to notice that the database is back.
const RECOVERY_BOUND: Duration = Duration::from_secs(20);

/// Sends with the 15 s timeout; returns the response and how long it took (printed).
async fn timed(what: &str, request: RequestBuilder) -> (Response, Duration) {
    let started = Instant::now();
    let response = request.timeout(REQUEST_TIMEOUT).send().await;
    let elapsed = started.elapsed();
    let response = response.unwrap_or_else(|e| panic!("{what}: no answer after {elapsed:?}: {e}"));
    let status = response.status().as_u16();
    println!("outage: {what} -> {status} in {} ms", elapsed.as_millis());
    (response, elapsed)
}

fn credentials(username: &str) -> Value {
    json!({ "username": username, "password": PASSWORD })
}

fn post(server: &TestServer, path: &str, body: &Value) -> RequestBuilder {
    server.client.post(server.url(path)).json(body)
}

fn get(server: &TestServer, path: &str) -> RequestBuilder {
    server.client.get(server.url(path))
}

#[tokio::test]
async fn database_outage_is_a_quick_503_and_recovery_needs_no_restart() {
    let mut cluster = PgCluster::start_new();
    let url = cluster.url("postgres");
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("TOKENGATE_DB_ACQUIRE_TIMEOUT_SECS", "2"),
    ];
    let server = TestServer::start(Storage::new(Backend::Sqlite), &env).await;
    let signup = post(&server, "/api/auth/signup", &credentials("erin"));
    let (token, refresh_token) = tokens(timed("signup", signup).await.0, 201).await;

    cluster.stop();

    // Stateless: answered without waiting for the database (which would take the 2 s acquire
    // timeout and end in a 503).
    let me = get(&server, "/api/me").bearer_auth(&token);
    let (response, elapsed) = timed("down: GET /api/me", me).await;
    assert_eq!(json_with_status(response, 200).await["username"], "erin");
    assert!(elapsed < Duration::from_secs(2), "/api/me took {elapsed:?}");

    let down = [
        (
            "down: login",
            post(&server, "/api/auth/login", &credentials("erin")),
        ),
        (
            "down: signup",
            post(&server, "/api/auth/signup", &credentials("frank")),
        ),
        ("down: refresh", refresh_request(&server, &refresh_token)),
        (
            "down: GET /api/account",
            get(&server, "/api/account").bearer_auth(&token),
        ),
    ];
    for (what, request) in down {
        let (response, elapsed) = timed(what, request).await;
        // The client keeps its session through an outage: the cookie is neither set nor cleared.
        assert_eq!(refresh_cookie(&response), None, "{what}");
        assert_error(response, 503, "service_unavailable").await;
        assert!(elapsed < FAIL_BOUND, "{what} took {elapsed:?}");
    }
    let (response, elapsed) = timed("down: GET /readyz", get(&server, "/readyz")).await;
    assert_eq!(response.status().as_u16(), 503);
    let body: Value = response.json().await.expect("readyz body is JSON");
    assert_eq!(body["error"], "service_unavailable", "{body}");
    assert!(elapsed < READYZ_BOUND, "/readyz took {elapsed:?}");
    let (response, _) = timed("down: GET /healthz", get(&server, "/healthz")).await;
    assert_eq!(response.status().as_u16(), 200);

    // Back on the same directory and port; the server is not restarted.
    let restart = Instant::now();
    cluster.start();
    let accepting = restart.elapsed();
    loop {
        let (response, _) = timed("up: GET /readyz", get(&server, "/readyz")).await;
        if response.status().as_u16() == 200 {
            break;
        }
        let waited = restart.elapsed() - accepting;
        assert!(
            waited < RECOVERY_BOUND,
            "/readyz still 503 {waited:?} after the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready = restart.elapsed();
    let login = post(&server, "/api/auth/login", &credentials("erin"));
    tokens(timed("up: login", login).await.0, 200).await;
    let refresh = refresh_request(&server, &refresh_token);
    let (_, rotated) = tokens(timed("up: refresh", refresh).await.0, 200).await;
    assert_ne!(rotated, refresh_token);
    println!(
        "outage: PostgreSQL accepting {} ms after pg_ctl start; /readyz 200 after {} ms ({} ms after it accepted)",
        accepting.as_millis(),
        ready.as_millis(),
        (ready - accepting).as_millis()
    );
}

/// Client connections to the server's database, not counting the one this query runs on (nor
/// background workers such as autovacuum).
async fn open_connections(database_url: &str) -> u32 {
    let sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
               AND backend_type = 'client backend' AND pid <> pg_backend_pid()";
    let output = tokio::process::Command::new("psql")
        .args([database_url, "-At", "-c", sql])
        .output()
        .await
        .expect("cannot run psql");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "monitoring query failed: {stderr}");
    let count = String::from_utf8_lossy(&output.stdout);
    count.trim().parse().expect("a count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_concurrent_requests_never_open_more_than_max_connections() {
    const MAX: u32 = 3;
    let env = [
        ("TOKENGATE_DB_MAX_CONNECTIONS", "3"),
        // Waiting for one of the 3 connections is the expected outcome, not a 503 (even on a
        // busy host: every request makes ~10 round trips through the 3 connections).
        ("TOKENGATE_DB_ACQUIRE_TIMEOUT_SECS", "30"),
        ("TOKENGATE_SIGNUP_MAX_PER_IP", "1000"),
        ("TOKENGATE_LOGIN_MAX_FAILURES", "1000"),
        ("TOKENGATE_LOGIN_MAX_FAILURES_PER_IP", "1000"),
    ];
    let server = TestServer::start(Storage::new(Backend::Postgres), &env).await;
    let database_url = server
        .storage()
        .database_url()
        .expect("a PostgreSQL database");
    server.signed_up("grace", PASSWORD).await;

    let done = Arc::new(AtomicBool::new(false));
    let monitor = tokio::spawn({
        let (done, url) = (done.clone(), database_url.clone());
        async move {
            let mut samples = Vec::new();
            while !done.load(Ordering::SeqCst) {
                samples.push(open_connections(&url).await);
            }
            samples
        }
    });
    let started = Instant::now();
    let mut requests = JoinSet::new();
    for i in 0..60 {
        let (path, body, expected) = if i % 2 == 0 {
            ("/api/auth/signup", credentials(&format!("user{i}")), 201)
        } else {
            ("/api/auth/login", credentials("grace"), 200)
        };
        let request = post(&server, path, &body).timeout(LOAD_TIMEOUT);
        requests.spawn(async move {
            let response = request.send().await.expect("no answer within 60 s");
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            (path, expected, status, text)
        });
    }
    let mut failures = Vec::new();
    while let Some(result) = requests.join_next().await {
        let (path, expected, status, text) = result.expect("request task");
        if status != expected {
            failures.push(format!("{path}: {status} {text}"));
        }
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::SeqCst);
    let mut samples = monitor.await.expect("monitor task");
    samples.push(open_connections(&database_url).await);

    let peak = samples.iter().copied().max().unwrap_or(0);
    println!(
        "pool bound: 60 requests in {} ms; {} samples of open connections, peak {peak} (max {MAX}): {samples:?}",
        elapsed.as_millis(),
        samples.len()
    );
    assert!(
        failures.is_empty(),
        "{} failed: {failures:#?}",
        failures.len()
    );
    assert!(
        samples.len() >= 3,
        "too few samples while the requests ran: {samples:?}"
    );
    assert!(
        peak <= MAX,
        "{peak} connections open with TOKENGATE_DB_MAX_CONNECTIONS={MAX}"
    );
    assert!(peak >= 1, "the pool was never seen: {samples:?}");
}
