//! Brute-force throttling of login and sign-up with short configured windows: when 429 starts,
//! when it ends, what is counted per account and per address, and that the counters live in the
//! database shared by every instance. The back-off's doubling is a unit test with an injected
//! clock (`server::throttle`).

use std::time::Duration;

use reqwest::Response;

use crate::helpers::{assert_error, header, json_with_status, Backend, TestServer};

const PASSWORD: &str = "correct horse";
const WRONG: &str = "wrong horse";

/// 3 failures per account within 60 s lock it for `lockout_secs`; the per-address limit is out
/// of the way.
fn account_limits(lockout_secs: &'static str) -> [(&'static str, &'static str); 4] {
    [
        ("TOKENGATE_LOGIN_MAX_FAILURES", "3"),
        ("TOKENGATE_LOGIN_WINDOW_SECS", "60"),
        ("TOKENGATE_LOGIN_LOCKOUT_SECS", lockout_secs),
        ("TOKENGATE_LOGIN_MAX_FAILURES_PER_IP", "1000"),
    ]
}

/// A 2 s first lock, for the tests that wait for it to end.
const SHORT_LOCK: &str = "2";
/// A lock that cannot run out while a test looks at it.
const LONG_LOCK: &str = "60";

/// A server with these settings and "alice" signed up.
async fn server_with_alice(backend: Backend, env: &[(&str, &str)]) -> TestServer {
    let server = TestServer::spawn_with(backend, env).await;
    server.signed_up("alice", PASSWORD).await;
    server
}

async fn fail_logins(server: &TestServer, username: &str, times: usize) {
    for _ in 0..times {
        let response = server.login(username, WRONG).await;
        assert_error(response, 401, "invalid_credentials").await;
    }
}

/// Asserts 429 `too_many_attempts` whose `Retry-After` equals the body's `retry_after`; returns it.
async fn assert_too_many_attempts(response: Response) -> u64 {
    let retry_after = header(response.headers(), "retry-after").map(str::to_owned);
    let body = assert_error(response, 429, "too_many_attempts").await;
    let secs = body["retry_after"]
        .as_u64()
        .expect("retry_after is an integer");
    assert_eq!(retry_after, Some(secs.to_string()), "body: {body}");
    secs
}

async fn sleep_past(retry_after: u64) {
    tokio::time::sleep(Duration::from_secs(retry_after) + Duration::from_millis(200)).await;
}

async fn fourth_attempt_in_the_window_is_429_with_retry_after(backend: Backend) {
    let server = server_with_alice(backend, &account_limits(SHORT_LOCK)).await;
    fail_logins(&server, "alice", 3).await;

    let response = server.login("alice", WRONG).await;

    let retry_after = assert_too_many_attempts(response).await;
    assert!((1..=2).contains(&retry_after), "Retry-After {retry_after}");
}

async fn correct_password_during_a_lock_is_429(backend: Backend) {
    let server = server_with_alice(backend, &account_limits(SHORT_LOCK)).await;
    fail_logins(&server, "alice", 3).await;

    let response = server.login("alice", PASSWORD).await;

    assert_too_many_attempts(response).await;
}

async fn correct_password_after_the_lock_is_200_and_clears_the_count(backend: Backend) {
    let server = server_with_alice(backend, &account_limits(SHORT_LOCK)).await;
    fail_logins(&server, "alice", 3).await;
    let retry_after = assert_too_many_attempts(server.login("alice", WRONG).await).await;
    sleep_past(retry_after).await;

    let response = server.login("alice", PASSWORD).await;

    json_with_status(response, 200).await;
    fail_logins(&server, "alice", 3).await;
    assert_too_many_attempts(server.login("alice", WRONG).await).await;
}

async fn unknown_usernames_are_throttled_exactly_like_real_ones(backend: Backend) {
    let server = server_with_alice(backend, &account_limits(LONG_LOCK)).await;
    let mut statuses = Vec::new();

    for username in ["alice", "mallory"] {
        for _ in 0..4 {
            statuses.push((
                username,
                server.login(username, WRONG).await.status().as_u16(),
            ));
        }
    }

    let expected = [401, 401, 401, 429];
    let expected: Vec<_> = ["alice", "mallory"]
        .iter()
        .flat_map(|username| expected.iter().map(move |status| (*username, *status)))
        .collect();
    assert_eq!(statuses, expected);
}

async fn lock_of_one_account_leaves_another_account_alone(backend: Backend) {
    let server = server_with_alice(backend, &account_limits(LONG_LOCK)).await;
    server.signed_up("bob", "another secret").await;
    fail_logins(&server, "alice", 3).await;
    assert_too_many_attempts(server.login("alice", PASSWORD).await).await;

    let response = server.login("bob", "another secret").await;

    assert_eq!(
        json_with_status(response, 200).await["user"]["username"],
        "bob"
    );
}

async fn burst_of_20_parallel_wrong_logins_lets_exactly_3_through(backend: Backend) {
    let server = server_with_alice(backend, &account_limits(LONG_LOCK)).await;
    let body = serde_json::json!({ "username": "alice", "password": WRONG });
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let request = server
                .client
                .post(server.url("/api/auth/login"))
                .json(&body);
            tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();

    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.expect("task").expect("login request failed"));
    }

    statuses.sort_unstable();
    let expected: Vec<u16> = [401; 3].into_iter().chain([429; 17]).collect();
    assert_eq!(statuses, expected);
}

async fn failures_across_usernames_lock_the_client_address(backend: Backend) {
    let env = [
        ("TOKENGATE_LOGIN_MAX_FAILURES", "1000"),
        ("TOKENGATE_LOGIN_MAX_FAILURES_PER_IP", "4"),
        ("TOKENGATE_LOGIN_WINDOW_SECS", "60"),
        ("TOKENGATE_LOGIN_LOCKOUT_SECS", LONG_LOCK),
    ];
    let server = server_with_alice(backend, &env).await;
    for username in ["alice", "bob", "carol", "dave"] {
        fail_logins(&server, username, 1).await;
    }

    for (username, password) in [("erin", WRONG), ("alice", PASSWORD)] {
        let response = server.login(username, password).await;

        assert_too_many_attempts(response).await;
    }
}

async fn signup_beyond_the_per_address_limit_is_429(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[("TOKENGATE_SIGNUP_MAX_PER_IP", "3")]).await;
    server.signed_up("alice", PASSWORD).await;
    server.signed_up("bob", PASSWORD).await;
    assert_error(
        server.signup("alice", PASSWORD).await,
        409,
        "username_taken",
    )
    .await;

    let response = server.signup("carol", PASSWORD).await;

    assert_too_many_attempts(response).await;
}

async fn failures_on_one_instance_lock_the_account_on_another(backend: Backend) {
    let env = account_limits(LONG_LOCK);
    let first = server_with_alice(backend, &env).await;
    let shared_url = shared_database_url(&first);
    let mut second_env = env.to_vec();
    second_env.push(("DATABASE_URL", &shared_url));
    // Its own data directory; the database is the first server's.
    let second = TestServer::spawn_with(Backend::Sqlite, &second_env).await;
    fail_logins(&first, "alice", 3).await;

    let response = second.login("alice", PASSWORD).await;

    assert_too_many_attempts(response).await;
}

/// A `DATABASE_URL` that points another server at `server`'s database.
fn shared_database_url(server: &TestServer) -> String {
    let storage = server.storage();
    storage.database_url().unwrap_or_else(|| {
        let file = storage.dir.path().join("tokengate.db");
        format!("sqlite://{}?mode=rwc", file.display())
    })
}

on_both_backends!(
    fourth_attempt_in_the_window_is_429_with_retry_after,
    correct_password_during_a_lock_is_429,
    correct_password_after_the_lock_is_200_and_clears_the_count,
    unknown_usernames_are_throttled_exactly_like_real_ones,
    lock_of_one_account_leaves_another_account_alone,
    burst_of_20_parallel_wrong_logins_lets_exactly_3_through,
    failures_across_usernames_lock_the_client_address,
    signup_beyond_the_per_address_limit_is_429,
    failures_on_one_instance_lock_the_account_on_another,
);
