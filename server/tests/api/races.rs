//! Credential changes are atomic against logins in flight: once a password change, logout-all
//! or account deletion has answered, no session created from the old credentials is live, even
//! one whose login had already checked the old password when the change began. Each test sweeps
//! the login's start across the change's duration, so that some logins overlap it.

use std::time::Duration;

use serde_json::json;

use crate::helpers::sessions::Session;
use crate::helpers::{assert_error, json_with_status, Backend, TestServer};

const OLD: &str = "correct horse one";
const NEW: &str = "correct horse two";
/// Login starts, in milliseconds after the change starts.
const OFFSETS_MS: [u64; 12] = [0, 2, 4, 6, 8, 10, 13, 16, 20, 25, 30, 40];

/// No per-account lock while the sweep fails logins on purpose.
const NO_LOCK: [(&str, &str); 2] = [
    ("TOKENGATE_LOGIN_MAX_FAILURES", "1000000"),
    ("TOKENGATE_LOGIN_MAX_FAILURES_PER_IP", "1000000"),
];

/// Asserts that a login answer gives no live session: either the login failed, or both its
/// refresh token and its access token are refused where the session is checked.
async fn assert_no_live_session(server: &TestServer, login: reqwest::Response, offset: u64) {
    let status = login.status().as_u16();
    if status != 200 {
        assert_error(login, 401, "invalid_credentials").await;
        return;
    }
    let session = crate::helpers::sessions::session_from(login, 200).await;
    let refresh = server.refresh(Some(&session.refresh_token)).await;
    assert_eq!(
        refresh.status().as_u16(),
        401,
        "a login {offset} ms into the change kept a live session"
    );
    let sessions = server
        .get_bearer("/api/auth/sessions", &session.access_token)
        .await;
    assert_eq!(sessions.status().as_u16(), 401);
}

async fn login_later(server: &TestServer, password: &str, offset: u64) -> reqwest::Response {
    tokio::time::sleep(Duration::from_millis(offset)).await;
    server.login("alice", password).await
}

async fn a_login_in_flight_during_a_password_change_starts_no_live_session(backend: Backend) {
    let server = TestServer::spawn_with(backend, &NO_LOCK).await;
    let mut current: Session = server.signup_session("alice", OLD).await;
    let mut passwords = (OLD, NEW);
    for offset in OFFSETS_MS {
        let (old, new) = passwords;
        let body = json!({ "current_password": old, "new_password": new });
        let change = server.post_bearer("/api/auth/password", &current.access_token, &body);
        let (changed, login) = tokio::join!(change, login_later(&server, old, offset));

        json_with_status(changed, 200).await;
        assert_no_live_session(&server, login, offset).await;
        // The changing session itself stays live.
        current = server.refreshed(&current.refresh_token).await;
        passwords = (new, old);
    }
}

/// Argon2 slow enough (tens to hundreds of ms) that a login is still verifying the password when
/// a logout-all sent after it runs: logout-all needs no password, so without this the race could
/// not be aimed.
const SLOW_ARGON2: [(&str, &str); 4] = [
    ("TOKENGATE_LOGIN_MAX_FAILURES", "1000000"),
    ("TOKENGATE_LOGIN_MAX_FAILURES_PER_IP", "1000000"),
    ("TOKENGATE_ARGON2_MEMORY_KIB", "65536"),
    ("TOKENGATE_ARGON2_ITERATIONS", "3"),
];

async fn a_login_in_flight_during_logout_all_starts_no_live_session(backend: Backend) {
    let server = TestServer::spawn_with(backend, &SLOW_ARGON2).await;
    let mut current = server.signup_session("alice", OLD).await;
    for delay in [30, 60, 90] {
        // The login starts first and is checking the password when logout-all ends everything.
        let login = server.login("alice", OLD);
        let empty = json!({});
        let end_all = async {
            tokio::time::sleep(Duration::from_millis(delay)).await;
            server
                .post_bearer("/api/auth/logout-all", &current.access_token, &empty)
                .await
        };
        let (login, ended) = tokio::join!(login, end_all);

        json_with_status(ended, 200).await;
        assert_no_live_session(&server, login, delay).await;
        current = server.login_session("alice", OLD).await;
    }
}

async fn a_login_in_flight_during_account_deletion_starts_no_session(backend: Backend) {
    let server = TestServer::spawn_with(backend, &NO_LOCK).await;
    for offset in OFFSETS_MS {
        let session = server.signup_session("alice", OLD).await;
        let body = json!({ "password": OLD });
        let delete = server.post_bearer("/api/account/delete", &session.access_token, &body);
        let (deleted, login) = tokio::join!(delete, login_later(&server, OLD, offset));

        json_with_status(deleted, 200).await;
        assert_no_live_session(&server, login, offset).await;
        let rows = server.sql("SELECT COUNT(*) FROM refresh_families");
        assert_eq!(
            rows.trim(),
            "0",
            "a session outlived its account ({offset} ms)"
        );
    }
}

async fn a_refresh_racing_logout_all_yields_no_live_session(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let mut current = server.signup_session("alice", OLD).await;
    for offset in OFFSETS_MS {
        let other = server.login_session("alice", OLD).await;
        let empty = json!({});
        let end_all = server.post_bearer("/api/auth/logout-all", &current.access_token, &empty);
        let refresh = async {
            tokio::time::sleep(Duration::from_millis(offset / 4)).await;
            server.refresh(Some(&other.refresh_token)).await
        };
        let (ended, refreshed) = tokio::join!(end_all, refresh);

        json_with_status(ended, 200).await;
        if refreshed.status().as_u16() == 200 {
            let session = crate::helpers::sessions::session_from(refreshed, 200).await;
            let sessions = server
                .get_bearer("/api/auth/sessions", &session.access_token)
                .await;
            assert_eq!(
                sessions.status().as_u16(),
                401,
                "refresh {offset} ms in stayed live"
            );
        }
        current = server.login_session("alice", OLD).await;
    }
}

on_both_backends!(
    a_login_in_flight_during_a_password_change_starts_no_live_session,
    a_login_in_flight_during_logout_all_starts_no_live_session,
    a_login_in_flight_during_account_deletion_starts_no_session,
    a_refresh_racing_logout_all_yields_no_live_session,
);
