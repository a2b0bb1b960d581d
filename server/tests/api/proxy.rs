//! Deployed behind a TLS reverse proxy: the client address comes from forwarding headers only
//! when the peer is a trusted proxy, and `TOKENGATE_PUBLIC_URL` alone decides cookie flags and
//! HSTS, whatever `Host` or `X-Forwarded-Proto` say.

use reqwest::header::{HOST, SET_COOKIE};
use serde_json::json;

use crate::helpers::{assert_error, header, json_with_status, Backend, TestServer};

const PASSWORD: &str = "correct horse";
const WRONG: &str = "wrong horse";

/// Logs in as "alice" through a proxy that says the client is `client`.
async fn login_as_client(server: &TestServer, password: &str, client: &str) -> reqwest::Response {
    let body = json!({ "username": "alice", "password": password });
    let request = server
        .client
        .post(server.url("/api/auth/login"))
        .json(&body);
    request
        .header("x-forwarded-for", client)
        .send()
        .await
        .expect("login request failed")
}

/// Three failed logins per address lock it; the per-account limit is out of the way.
const PER_ADDRESS_LIMIT: [(&str, &str); 3] = [
    ("TOKENGATE_LOGIN_MAX_FAILURES_PER_IP", "3"),
    ("TOKENGATE_LOGIN_MAX_FAILURES", "1000"),
    ("TOKENGATE_LOGIN_LOCKOUT_SECS", "60"),
];

async fn behind_a_trusted_proxy_one_clients_failures_never_lock_another_out(backend: Backend) {
    let mut env = PER_ADDRESS_LIMIT.to_vec();
    env.push(("TOKENGATE_TRUSTED_PROXIES", "127.0.0.1/32, ::1"));
    let server = TestServer::spawn_with(backend, &env).await;
    server.signed_up("alice", PASSWORD).await;

    for _ in 0..3 {
        let failed = login_as_client(&server, WRONG, "203.0.113.1").await;
        assert_error(failed, 401, "invalid_credentials").await;
    }
    let locked = login_as_client(&server, PASSWORD, "203.0.113.1").await;
    assert_error(locked, 429, "too_many_attempts").await;

    // Same proxy, another client: not locked.
    let other = login_as_client(&server, PASSWORD, "203.0.113.2").await;
    json_with_status(other, 200).await;
}

async fn behind_a_trusted_proxy_a_forged_leftmost_hop_is_not_believed(backend: Backend) {
    let mut env = PER_ADDRESS_LIMIT.to_vec();
    env.push(("TOKENGATE_TRUSTED_PROXIES", "127.0.0.1"));
    let server = TestServer::spawn_with(backend, &env).await;
    server.signed_up("alice", PASSWORD).await;

    // The attacker writes a new address into each request; the proxy appends the real one.
    for forged in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        let hops = format!("{forged}, 203.0.113.1");
        let failed = login_as_client(&server, WRONG, &hops).await;
        assert_error(failed, 401, "invalid_credentials").await;
    }
    let locked = login_as_client(&server, PASSWORD, "198.51.100.4, 203.0.113.1").await;
    assert_error(locked, 429, "too_many_attempts").await;
}

async fn an_untrusted_peers_forwarded_for_is_ignored(backend: Backend) {
    let server = TestServer::spawn_with(backend, &PER_ADDRESS_LIMIT).await;
    server.signed_up("alice", PASSWORD).await;

    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let failed = login_as_client(&server, WRONG, client).await;
        assert_error(failed, 401, "invalid_credentials").await;
    }
    // Every attempt came from 127.0.0.1, whatever the header claimed.
    let locked = login_as_client(&server, PASSWORD, "203.0.113.4").await;
    assert_error(locked, 429, "too_many_attempts").await;
}

async fn ipv6_clients_are_counted_per_64(backend: Backend) {
    let mut env = PER_ADDRESS_LIMIT.to_vec();
    env.push(("TOKENGATE_TRUSTED_PROXIES", "127.0.0.1"));
    let server = TestServer::spawn_with(backend, &env).await;
    server.signed_up("alice", PASSWORD).await;

    for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"] {
        let failed = login_as_client(&server, WRONG, host).await;
        assert_error(failed, 401, "invalid_credentials").await;
    }
    let same_net = login_as_client(&server, PASSWORD, "2001:db8:1:2::99").await;
    assert_error(same_net, 429, "too_many_attempts").await;
    let next_net = login_as_client(&server, PASSWORD, "2001:db8:1:3::1").await;
    json_with_status(next_net, 200).await;
}

async fn an_https_public_url_makes_the_cookie_secure_and_sends_hsts_whatever_host_says(
    backend: Backend,
) {
    let env = [("TOKENGATE_PUBLIC_URL", "https://auth.example")];
    let server = TestServer::spawn_with(backend, &env).await;

    // The proxy forwards its upstream address as Host (the nginx default).
    let body = json!({ "username": "alice", "password": PASSWORD });
    let request = server
        .client
        .post(server.url("/api/auth/signup"))
        .json(&body);
    let response = request.header(HOST, "127.0.0.1:3000").send().await.unwrap();

    assert_eq!(response.status().as_u16(), 201);
    let hsts = header(response.headers(), "strict-transport-security");
    assert_eq!(hsts, Some("max-age=31536000"));
    let cookie = header(response.headers(), SET_COOKIE.as_str())
        .unwrap()
        .to_owned();
    let token = cookie
        .strip_prefix("__Secure-tg_refresh=")
        .and_then(|rest| rest.split(';').next())
        .expect("the prefixed cookie");
    let expected = format!(
        "__Secure-tg_refresh={token}; HttpOnly; SameSite=Strict; Secure; Path=/api/auth; Max-Age=2592000"
    );
    assert_eq!(cookie, expected);
    let page = server.get("/login").await;
    let hsts = header(page.headers(), "strict-transport-security");
    assert_eq!(hsts, Some("max-age=31536000"));
}

async fn an_http_public_url_never_turns_secure_on_request_headers(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let body = json!({ "username": "alice", "password": PASSWORD });
    let request = server
        .client
        .post(server.url("/api/auth/signup"))
        .json(&body);
    let request = request
        .header(HOST, "tokengate.example")
        .header("x-forwarded-proto", "https");
    let response = request.send().await.unwrap();

    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(
        header(response.headers(), "strict-transport-security"),
        None
    );
    let cookie = header(response.headers(), SET_COOKIE.as_str()).unwrap();
    assert!(cookie.starts_with("tg_refresh="), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

async fn a_bad_public_url_or_proxy_list_stops_start_up(backend: Backend) {
    let storage = crate::helpers::Storage::new(backend);
    let bad_url = [("TOKENGATE_PUBLIC_URL", "https://auth.example/app")];
    let output = crate::helpers::run_to_exit(&storage, &bad_url).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TOKENGATE_PUBLIC_URL"), "{stderr}");

    let bad_list = [("TOKENGATE_TRUSTED_PROXIES", "10.0.0.0/33")];
    let output = crate::helpers::run_to_exit(&storage, &bad_list).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TOKENGATE_TRUSTED_PROXIES"), "{stderr}");
}

on_both_backends!(
    behind_a_trusted_proxy_one_clients_failures_never_lock_another_out,
    behind_a_trusted_proxy_a_forged_leftmost_hop_is_not_believed,
    an_untrusted_peers_forwarded_for_is_ignored,
    ipv6_clients_are_counted_per_64,
    an_https_public_url_makes_the_cookie_secure_and_sends_hsts_whatever_host_says,
    an_http_public_url_never_turns_secure_on_request_headers,
    a_bad_public_url_or_proxy_list_stops_start_up,
);
