//! Scale-out on PostgreSQL: three `tokengate` processes started at the same time on one fresh
//! database. Whatever one instance does (signing keys, refresh rotations, logout-all, login
//! throttle counters) the other two see at once.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{RequestBuilder, Response};
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, assert_invalid_token, json_with_status, Backend, Storage, TestServer,
};

const PASSWORD: &str = "correct horse";
const WRONG: &str = "wrong horse";

/// Settings of all three instances: a 1 s refresh-reuse grace window, and 3 failed logins per
/// account within 60 s lock it for 60 s (the per-address limit is out of the way).
const ENV: [(&str, &str); 5] = [
    ("TOKENGATE_REFRESH_REUSE_GRACE_SECS", "1"),
    ("TOKENGATE_LOGIN_MAX_FAILURES", "3"),
    ("TOKENGATE_LOGIN_WINDOW_SECS", "60"),
    ("TOKENGATE_LOGIN_LOCKOUT_SECS", "60"),
    ("TOKENGATE_LOGIN_MAX_FAILURES_PER_IP", "1000"),
];

/// Three servers on one database. Fields drop in order: the servers stop before the database
/// is dropped (so keep the whole struct alive: destructuring it with `..` drops the database).
struct Instances {
    servers: [TestServer; 3],
    _database: Storage,
}

/// A fresh PostgreSQL database and three servers started on it concurrently (each with its own
/// empty data directory and random port; `DATABASE_URL` points all of them at the one database).
async fn three_instances() -> Instances {
    let database = Storage::new(Backend::Postgres);
    let url = database.database_url().expect("a PostgreSQL database");
    let mut env = ENV.to_vec();
    env.push(("DATABASE_URL", &url));
    let start = || TestServer::start(Storage::new(Backend::Sqlite), &env);
    let (first, second, third) = tokio::join!(start(), start(), start());
    let servers = [first, second, third];
    let mut addresses: Vec<&str> = servers.iter().map(|s| s.address.as_str()).collect();
    addresses.sort();
    addresses.dedup();
    assert_eq!(addresses.len(), 3, "three different ports");
    Instances {
        servers,
        _database: database,
    }
}

/// The `tg_refresh` value a response sets (empty when it clears the cookie), if any.
pub fn refresh_cookie(response: &Response) -> Option<String> {
    let mut values = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|cookie| cookie.strip_prefix("tg_refresh="))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned());
    let first = values.next();
    assert!(values.next().is_none(), "tg_refresh is set twice");
    first
}

/// Asserts `status` and a new refresh cookie; returns (access token, refresh token).
pub async fn tokens(response: Response, status: u16) -> (String, String) {
    let refresh = refresh_cookie(&response).filter(|value| !value.is_empty());
    let body = json_with_status(response, status).await;
    let access = body["access_token"].as_str().expect("access_token");
    (access.to_owned(), refresh.expect("a tg_refresh cookie"))
}

/// `POST /api/auth/refresh` with `Cookie: tg_refresh=<token>` (built by hand: reqwest's
/// cookie store is off).
pub fn refresh_request(server: &TestServer, token: &str) -> RequestBuilder {
    let request = server.client.post(server.url("/api/auth/refresh"));
    let request = request.header(COOKIE, format!("tg_refresh={token}"));
    request.json(&json!({}))
}

async fn refresh(server: &TestServer, token: &str) -> Response {
    let request = refresh_request(server, token);
    request.send().await.expect("refresh failed")
}

async fn get_bearer(server: &TestServer, path: &str, token: &str) -> Response {
    let request = server.client.get(server.url(path)).bearer_auth(token);
    request.send().await.expect("request failed")
}

async fn jwks(server: &TestServer) -> Value {
    json_with_status(server.get("/.well-known/jwks.json").await, 200).await
}

#[tokio::test]
async fn all_instances_publish_one_key_and_accept_each_others_tokens() {
    let instances = three_instances().await;
    let servers = &instances.servers;
    let published = jwks(&servers[0]).await;
    let keys = published["keys"].as_array().expect("keys is an array");
    assert_eq!(
        keys.len(),
        1,
        "concurrent first starts agree on one key: {published}"
    );
    for server in &servers[1..] {
        assert_eq!(
            jwks(server).await,
            published,
            "{} publishes another JWKS",
            server.address
        );
    }

    let token = servers[0].token_for("alice", PASSWORD).await;
    assert_eq!(crate::tokens::segment(&token, 0)["kid"], keys[0]["kid"]);

    for server in &servers[1..] {
        let me = json_with_status(server.me(&token).await, 200).await;
        assert_eq!(me["username"], "alice", "{}", server.address);
        let account = get_bearer(server, "/api/account", &token).await;
        let account = json_with_status(account, 200).await;
        assert_eq!(account["username"], "alice", "{}", server.address);
        assert_eq!(account["id"], me["id"]);
    }
}

#[tokio::test]
async fn refresh_rotated_on_one_instance_is_seen_by_the_others() {
    let instances = three_instances().await;
    let servers = &instances.servers;
    let (_, first) = tokens(servers[0].signup("bob", PASSWORD).await, 201).await;

    // The server counts whole Unix seconds. Starting 50 ms past a second boundary, the step
    // after the rotation is within the 1 s grace window unless it comes ~1.9 s later.
    let into_second = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock");
    let to_next = 1050 - u64::from(into_second.subsec_millis());
    tokio::time::sleep(Duration::from_millis(to_next)).await;
    // Instance 2 rotates: `first` is retired, `second` is current.
    let (_, second) = tokens(refresh(&servers[1], &first).await, 200).await;
    assert_ne!(second, first);
    // Instance 3, within the 1 s grace window (ms later): the retired token is followed to
    // the current one, which is handed back without another rotation.
    let (_, current) = tokens(refresh(&servers[2], &first).await, 200).await;
    assert_eq!(
        current, second,
        "instance 3 did not see the rotation made on instance 2"
    );
    // Instance 1 takes the new token and rotates it once more.
    let (access, third) = tokens(refresh(&servers[0], &second).await, 200).await;
    assert_ne!(third, second);

    // `first` was retired in the whole second T; from T + 2 on it is past the grace window.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let reused = refresh(&servers[2], &first).await;
    assert_error(reused, 401, "refresh_token_reused").await;

    // The theft answer revoked the whole session, for every instance.
    for server in servers {
        let response = refresh(server, &third).await;
        assert_error(response, 401, "invalid_refresh_token").await;
        assert_invalid_token(get_bearer(server, "/api/auth/sessions", &access).await).await;
    }
}

#[tokio::test]
async fn logout_all_on_one_instance_is_honoured_by_all() {
    let instances = three_instances().await;
    let servers = &instances.servers;
    // One session started on each instance.
    let mut sessions = vec![tokens(servers[0].signup("carol", PASSWORD).await, 201).await];
    for server in &servers[1..] {
        sessions.push(tokens(server.login("carol", PASSWORD).await, 200).await);
    }
    for (server, (access, _)) in servers.iter().zip(&sessions) {
        let listed = get_bearer(server, "/api/auth/sessions", access).await;
        let listed = json_with_status(listed, 200).await;
        assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
    }

    let request = servers[0]
        .client
        .post(servers[0].url("/api/auth/logout-all"));
    let request = request.bearer_auth(&sessions[0].0).json(&json!({}));
    let ended = request.send().await.expect("logout-all failed");
    assert_eq!(json_with_status(ended, 200).await["ended"], 3);

    for server in servers {
        for (access, refresh_token) in &sessions {
            let listed = get_bearer(server, "/api/auth/sessions", access).await;
            assert_invalid_token(listed).await;
            let refreshed = refresh(server, refresh_token).await;
            assert_error(refreshed, 401, "invalid_refresh_token").await;
            // Documented: the stateless endpoint keeps accepting it until its `exp`.
            assert_eq!(server.me(access).await.status().as_u16(), 200);
        }
    }
}

#[tokio::test]
async fn failed_logins_spread_over_the_instances_lock_the_account_on_all() {
    let instances = three_instances().await;
    let servers = &instances.servers;
    servers[1].signed_up("dave", PASSWORD).await;

    for server in servers {
        let response = server.login("dave", WRONG).await;
        assert_error(response, 401, "invalid_credentials").await;
    }

    for server in servers {
        let response = server.login("dave", PASSWORD).await;
        let retry_after = response.headers().get("retry-after").cloned();
        let body = assert_error(response, 429, "too_many_attempts").await;
        let secs = body["retry_after"].as_u64().expect("retry_after");
        assert!((1..=60).contains(&secs), "retry_after {secs}");
        assert_eq!(
            retry_after.and_then(|v| v.to_str().ok().map(str::to_owned)),
            Some(secs.to_string())
        );
    }
}
