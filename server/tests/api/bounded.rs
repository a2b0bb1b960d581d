//! Bounded storage: the server prunes retired refresh tokens, ended sessions and stale throttle
//! rows itself; refreshes are rate-limited per session; a user's live sessions are capped; a
//! retired token is answered inside the grace window only a few times.

use std::time::{Duration, Instant};

use crate::helpers::sessions::session_from;
use crate::helpers::{assert_error, header, Backend, TestServer};

const PASSWORD: &str = "correct horse";

/// Polls `sql` until it prints `expected` (the pruning task runs every second here).
async fn eventually(server: &TestServer, sql: &str, expected: &str) -> Duration {
    let started = Instant::now();
    loop {
        let value = server.sql(sql);
        if value.trim() == expected {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "`{sql}` is {} after 15 s, expected {expected}",
            value.trim()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn pruning_bounds_the_rows_after_thousands_of_refreshes(backend: Backend) {
    let env = [
        ("TOKENGATE_RETIRED_TOKEN_RETENTION_SECS", "0"),
        ("TOKENGATE_PRUNE_INTERVAL_SECS", "1"),
        ("TOKENGATE_REFRESH_MAX_PER_MINUTE", "10000"),
    ];
    let server = TestServer::spawn_with(backend, &env).await;
    let mut session = server.signup_session("alice", PASSWORD).await;
    const REFRESHES: usize = 2_000;
    for _ in 0..REFRESHES {
        session = server.refreshed(&session.refresh_token).await;
    }

    // Only the token the client holds now is left.
    let waited = eventually(&server, "SELECT COUNT(*) FROM refresh_tokens", "1").await;
    println!("{REFRESHES} refreshes: 1 refresh_tokens row left {waited:?} after the last one");
    server.refreshed(&session.refresh_token).await;
}

async fn ended_sessions_and_stale_throttle_rows_are_pruned(backend: Backend) {
    let env = [
        ("TOKENGATE_RETIRED_TOKEN_RETENTION_SECS", "0"),
        ("TOKENGATE_PRUNE_INTERVAL_SECS", "1"),
        ("TOKENGATE_LOGIN_WINDOW_SECS", "1"),
    ];
    let server = TestServer::spawn_with(backend, &env).await;
    let ended = server.signup_session("alice", PASSWORD).await;
    let kept = server.login_session("alice", PASSWORD).await;
    server.logout(Some(&ended.refresh_token), None).await;
    let failed = server.login("alice", "wrong horse").await;
    assert_error(failed, 401, "invalid_credentials").await;

    eventually(&server, "SELECT COUNT(*) FROM refresh_families", "1").await;
    eventually(&server, "SELECT COUNT(*) FROM login_throttle", "0").await;
    let left = server.sql("SELECT id FROM refresh_families");
    assert_eq!(left.trim(), kept.sid());
}

async fn a_users_live_sessions_are_capped_least_recently_used_first(backend: Backend) {
    let env = [("TOKENGATE_MAX_SESSIONS_PER_USER", "3")];
    let server = TestServer::spawn_with(backend, &env).await;
    let first = server.signup_session("alice", PASSWORD).await;
    let second = server.login_session("alice", PASSWORD).await;
    // The server counts whole seconds: from here on, the second session is the only one last
    // used in an earlier second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let third = server.login_session("alice", PASSWORD).await;
    let first = server.refreshed(&first.refresh_token).await;

    let fourth = server.login_session("alice", PASSWORD).await;

    let ended = server.refresh(Some(&second.refresh_token)).await;
    assert_error(ended, 401, "invalid_refresh_token").await;
    let sessions = server.sessions_of(&fourth.access_token).await;
    let mut ids: Vec<String> = sessions
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut expected = vec![first.sid(), third.sid(), fourth.sid()];
    expected.sort();
    assert_eq!(ids, expected);
}

async fn refreshes_are_rate_limited_per_session(backend: Backend) {
    let env = [("TOKENGATE_REFRESH_MAX_PER_MINUTE", "3")];
    let server = TestServer::spawn_with(backend, &env).await;
    let mut busy = server.signup_session("alice", PASSWORD).await;
    let quiet = server.login_session("alice", PASSWORD).await;
    for _ in 0..3 {
        busy = server.refreshed(&busy.refresh_token).await;
    }

    let limited = server.refresh(Some(&busy.refresh_token)).await;
    assert_eq!(header(limited.headers(), "retry-after"), Some("60"));
    assert_error(limited, 429, "too_many_attempts").await;
    // Another session of the same user is not affected.
    server.refreshed(&quiet.refresh_token).await;
    // The limited request exchanged nothing: the token is still the current one.
    let rows = server.sql(&format!(
        "SELECT COUNT(*) FROM refresh_tokens WHERE family_id = '{}' AND rotated_at IS NULL",
        busy.sid()
    ));
    assert_eq!(rows.trim(), "1");
}

async fn a_retired_token_is_answered_in_the_grace_window_only_a_few_times(backend: Backend) {
    let env = [
        ("TOKENGATE_REFRESH_REUSE_GRACE_SECS", "60"),
        ("TOKENGATE_REFRESH_MAX_GRACE_REPLAYS", "2"),
    ];
    let server = TestServer::spawn_with(backend, &env).await;
    let first = server.signup_session("alice", PASSWORD).await;
    let current = server.refreshed(&first.refresh_token).await;

    for _ in 0..2 {
        let replay = session_from(server.refresh(Some(&first.refresh_token)).await, 200).await;
        assert_eq!(replay.refresh_token, current.refresh_token);
    }
    let third = server.refresh(Some(&first.refresh_token)).await;
    assert_error(third, 401, "refresh_token_reused").await;
    // Treated as theft: the whole session is over.
    let after = server.refresh(Some(&current.refresh_token)).await;
    assert_error(after, 401, "invalid_refresh_token").await;
}

on_both_backends!(
    pruning_bounds_the_rows_after_thousands_of_refreshes,
    ended_sessions_and_stale_throttle_rows_are_pruned,
    a_users_live_sessions_are_capped_least_recently_used_first,
    refreshes_are_rate_limited_per_session,
    a_retired_token_is_answered_in_the_grace_window_only_a_few_times,
);
