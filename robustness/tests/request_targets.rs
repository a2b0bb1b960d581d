//! The four request-target forms of RFC 9112 §3.2 (origin, absolute, authority, asterisk) and
//! targets that are none of them, on health, API and page paths, for GET and POST.
//!
//! An authority-form `GET` once reached an `unwrap()` on the path in leptos_axum and, with
//! `panic = "abort"`, killed the server: every case here ends with `assert_alive`.

mod common;

use common::http::{request, Outcome, Response};
use common::{assert_alive, case_name, Server};
use serde_json::json;

const LOGIN_BODY: &str = r#"{"username":"nobody","password":"not the password"}"#;

/// (method, path, body) pairs covering health, JSON API, server functions and pages.
const PATHS: &[(&str, &str, Option<&str>)] = &[
    ("GET", "/healthz", None),
    ("GET", "/api/me", None),
    ("GET", "/api/no-such-endpoint", None),
    ("POST", "/api/auth/login", Some(LOGIN_BODY)),
    ("GET", "/login", None),
    ("POST", "/login", None),
    ("GET", "/.well-known/jwks.json", None),
];

/// Sends `bytes` and returns the response; any other outcome fails the case.
async fn answered(server: &Server, bytes: &[u8]) -> Response {
    match server.exchange(bytes).await {
        Outcome::Answered(response) => response,
        other => {
            server
                .fail(&case_name(bytes), &format!("no answer: {other}"))
                .await
        }
    }
}

/// Asserts a 400 with the JSON error code `invalid_request_target`.
async fn assert_invalid_target(server: &Server, bytes: &[u8]) {
    let case = case_name(bytes);
    let response = answered(server, bytes).await;
    let code = response.error_code();
    if response.status != 400 || code.as_deref() != Some("invalid_request_target") {
        let body = String::from_utf8_lossy(&response.body);
        let problem = format!(
            "expected 400 invalid_request_target, got {} {body}",
            response.status
        );
        server.fail(&case, &problem).await;
    }
    assert_alive(server, &case).await;
}

#[tokio::test]
async fn origin_form_healthz_answers_ok() {
    let server = Server::start().await;
    let bytes = request("GET", "/healthz", None);
    let response = answered(&server, &bytes).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), Some(json!({ "status": "ok" })));
    assert_alive(&server, &case_name(&bytes)).await;
}

#[tokio::test]
async fn absolute_form_healthz_is_served_as_its_path() {
    let server = Server::start().await;
    let bytes = request("GET", "http://anything.example/healthz", None);
    let case = case_name(&bytes);
    let response = answered(&server, &bytes).await;
    let ok = response.status == 200 && response.json() == Some(json!({ "status": "ok" }));
    if !ok {
        let body = String::from_utf8_lossy(&response.body);
        server
            .fail(
                &case,
                &format!(
                    "expected 200 {{\"status\":\"ok\"}}, got {} {body}",
                    response.status
                ),
            )
            .await;
    }
    assert_alive(&server, &case).await;
}

#[tokio::test]
async fn absolute_form_answers_what_origin_form_answers_on_every_path() {
    let server = Server::start().await;
    for (n, &(method, path, body)) in PATHS.iter().enumerate() {
        // A fresh user name per path keeps the login throttle out of the comparison.
        let body = body.map(|b| b.replace("nobody", &format!("nobody{n}")));
        let origin = answered(&server, &request(method, path, body.as_deref())).await;
        for host in [
            "http://anything.example",
            "http://localhost:1",
            "https://other.example",
        ] {
            let bytes = request(method, &format!("{host}{path}"), body.as_deref());
            let case = case_name(&bytes);
            let absolute = answered(&server, &bytes).await;
            if absolute.status != origin.status {
                let problem = format!(
                    "origin form {method} {path} answers {}, absolute form answers {}",
                    origin.status, absolute.status
                );
                server.fail(&case, &problem).await;
            }
            assert_alive(&server, &case).await;
        }
    }
}

#[tokio::test]
async fn authority_form_is_an_invalid_request_target() {
    let server = Server::start().await;
    let port_of_server = server.addr.to_string();
    let targets = [
        "example.com:80",
        "localhost:3000",
        port_of_server.as_str(),
        "[::1]:80",
    ];
    for target in targets {
        for (method, body) in [("GET", None), ("POST", Some(LOGIN_BODY)), ("DELETE", None)] {
            assert_invalid_target(&server, &request(method, target, body)).await;
        }
    }
}

#[tokio::test]
async fn connect_gets_a_json_client_error_not_a_silent_close() {
    let server = Server::start().await;
    let own = server.addr.to_string();
    for target in ["example.com:443", own.as_str()] {
        let bytes = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n").into_bytes();
        let case = case_name(&bytes);
        let response = answered(&server, &bytes).await;
        let has_code = response.error_code().is_some_and(|c| !c.is_empty());
        if !matches!(response.status, 400 | 405) || !has_code {
            let body = String::from_utf8_lossy(&response.body);
            let problem = format!(
                "expected 400/405 with a JSON error, got {} {body}",
                response.status
            );
            server.fail(&case, &problem).await;
        }
        assert_alive(&server, &case).await;
    }
}

#[tokio::test]
async fn options_asterisk_answers_204_with_allow() {
    let server = Server::start().await;
    let bytes = request("OPTIONS", "*", None);
    let case = case_name(&bytes);
    let response = answered(&server, &bytes).await;
    let allow = response.header("allow").unwrap_or_default().to_owned();
    if response.status != 204 || allow.is_empty() {
        let problem = format!(
            "expected 204 with Allow, got {} (Allow: {allow:?})",
            response.status
        );
        server.fail(&case, &problem).await;
    }
    assert_alive(&server, &case).await;
}

#[tokio::test]
async fn asterisk_form_with_any_other_method_is_an_invalid_request_target() {
    let server = Server::start().await;
    for (method, body) in [
        ("GET", None),
        ("POST", Some(LOGIN_BODY)),
        ("PUT", None),
        ("DELETE", None),
    ] {
        assert_invalid_target(&server, &request(method, "*", body)).await;
    }
}

#[tokio::test]
async fn a_target_that_is_not_a_path_is_rejected() {
    let server = Server::start().await;
    let targets = [
        "healthz",
        "login",
        "api/me",
        "api/auth/login",
        "..",
        "example.com",
    ];
    for target in targets {
        for (method, body) in [("GET", None), ("POST", Some(LOGIN_BODY))] {
            let bytes = request(method, target, body);
            let case = case_name(&bytes);
            let response = answered(&server, &bytes).await;
            if response.status != 400 {
                let body = String::from_utf8_lossy(&response.body);
                server
                    .fail(
                        &case,
                        &format!("expected 400, got {} {body}", response.status),
                    )
                    .await;
            }
            assert_alive(&server, &case).await;
        }
    }
}

#[tokio::test]
async fn a_very_long_path_is_a_client_error_not_a_server_error() {
    // Longer than PATH_MAX (4096): a file lookup for it fails with ENAMETOOLONG, not NotFound.
    let server = Server::start().await;
    for prefix in ["/pkg/", "/", "/api/", "/login/"] {
        for length in [300, 5000, 20_000] {
            let bytes = request("GET", &format!("{prefix}{}", "a".repeat(length)), None);
            let case = case_name(&bytes);
            let response = answered(&server, &bytes).await;
            if !(400..500).contains(&response.status) {
                let problem = format!("expected a 4xx, got {}", response.status);
                server.fail(&case, &problem).await;
            }
            assert_alive(&server, &case).await;
        }
    }
}

#[tokio::test]
async fn a_percent_encoded_nul_in_the_path_is_a_client_error_not_a_server_error() {
    // `%00` decodes to a byte no file name can hold: the lookup fails with InvalidInput.
    let server = Server::start().await;
    for path in [
        "/%00",
        "/account%00",
        "/pkg/x.wasm%00",
        "/healthz%2e%2e/%00",
        "/api/me%00",
    ] {
        for method in ["GET", "HEAD"] {
            let bytes = request(method, path, None);
            let case = case_name(&bytes);
            let response = answered(&server, &bytes).await;
            if !(400..500).contains(&response.status) {
                let problem = format!("expected a 4xx, got {}", response.status);
                server.fail(&case, &problem).await;
            }
            assert_alive(&server, &case).await;
        }
    }
}
