//! The endpoints a browser authenticates to with the refresh cookie (login, sign-up, refresh,
//! logout) refuse requests from other origins, requests carrying two refresh cookies, and
//! anything but JSON.

use reqwest::header::{CONTENT_TYPE, COOKIE, ORIGIN};
use reqwest::RequestBuilder;
use serde_json::json;

use crate::helpers::sessions::{assert_refresh_cookie_cleared, session_from};
use crate::helpers::{assert_error, Backend, TestServer};

const PASSWORD: &str = "correct horse";
const COOKIE_ENDPOINTS: [&str; 8] = [
    "/api/auth/login",
    "/api/auth/signup",
    "/api/auth/refresh",
    "/api/auth/logout",
    "/api/auth/mfa/verify",
    "/api/auth/mfa/passkey/finish",
    "/api/auth/passkeys/login/finish",
    "/api/auth/passkeys/signup/finish",
];

fn json_post(server: &TestServer, path: &str) -> RequestBuilder {
    let body = json!({ "username": "mallory", "password": PASSWORD });
    server.client.post(server.url(path)).json(&body)
}

async fn cross_site_and_same_site_requests_are_refused(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    for path in COOKIE_ENDPOINTS {
        for site in ["cross-site", "same-site"] {
            let request = json_post(&server, path).header("sec-fetch-site", site);
            let response = request.send().await.unwrap();
            assert_error(response, 403, "cross_origin_request").await;
        }
    }
}

async fn without_fetch_metadata_a_foreign_origin_is_refused(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    for path in COOKIE_ENDPOINTS {
        for origin in ["http://evil.example", "null"] {
            let request = json_post(&server, path).header(ORIGIN, origin);
            let response = request.send().await.unwrap();
            assert_error(response, 403, "cross_origin_request").await;
        }
    }
}

async fn same_origin_and_non_browser_requests_pass(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    // The default public URL of a loopback listener names it `localhost` (passkeys need a
    // domain); browsers send that origin.
    let own_origin = server.public_origin();

    let same_origin =
        json_post(&server, "/api/auth/signup").header("sec-fetch-site", "same-origin");
    assert_eq!(same_origin.send().await.unwrap().status().as_u16(), 201);
    let by_origin = json_post(&server, "/api/auth/login").header(ORIGIN, own_origin);
    assert_eq!(by_origin.send().await.unwrap().status().as_u16(), 200);
    let curl = json_post(&server, "/api/auth/login");
    assert_eq!(curl.send().await.unwrap().status().as_u16(), 200);
}

async fn cookie_endpoints_accept_only_the_json_content_type(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let session = server.signup_session("alice", PASSWORD).await;
    let cookie = format!("tg_refresh={}", session.refresh_token);

    // A cross-site form can send these; none may reach the session.
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        for path in ["/api/auth/refresh", "/api/auth/logout"] {
            let mut request = server.client.post(server.url(path)).header(COOKIE, &cookie);
            if let Some(content_type) = content_type {
                request = request.header(CONTENT_TYPE, content_type);
            }
            let response = request.send().await.unwrap();
            assert_error(response, 415, "unsupported_media_type").await;
        }
    }
    // The session is untouched: its refresh token still rotates.
    server.refreshed(&session.refresh_token).await;
}

async fn two_refresh_cookies_are_refused_and_the_cookie_cleared(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    let victim = server.signup_session("alice", PASSWORD).await;
    let planted = server.signup_session("mallory", PASSWORD).await;

    // A sibling subdomain planted mallory's cookie for the parent domain beside alice's own.
    let both = format!(
        "tg_refresh={}; tg_refresh={}",
        planted.refresh_token, victim.refresh_token
    );
    for path in ["/api/auth/refresh", "/api/auth/logout"] {
        let request = server.client.post(server.url(path)).json(&json!({}));
        let response = request.header(COOKIE, &both).send().await.unwrap();
        assert_refresh_cookie_cleared(&response);
        assert_error(response, 400, "duplicate_cookie").await;
    }
    // Nothing was exchanged or ended: alice's own token still rotates into alice's session.
    let refreshed = session_from(server.refresh(Some(&victim.refresh_token)).await, 200).await;
    assert_eq!(refreshed.body["user"]["username"], "alice");
}

on_both_backends!(
    cross_site_and_same_site_requests_are_refused,
    without_fetch_metadata_a_foreign_origin_is_refused,
    same_origin_and_non_browser_requests_pass,
    cookie_endpoints_accept_only_the_json_content_type,
    two_refresh_cookies_are_refused_and_the_cookie_cleared,
);
