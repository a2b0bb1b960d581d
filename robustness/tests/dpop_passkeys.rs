//! Hostile DPoP proofs (RFC 9449) and passkey answers (WebAuthn), one kind per test, each with
//! the exact answer it gets: a 4xx with its stable JSON `error` code (or hyper's bare 431 for a
//! head past 64 KiB), never a 5xx, and the server answers `/healthz` after every case.

#[path = "dpop_passkeys/dpop.rs"]
mod dpop;
#[path = "dpop_passkeys/forged_assertions.rs"]
mod forged_assertions;
#[path = "dpop_passkeys/passkeys.rs"]
mod passkeys;

mod common;

use common::dpop::ProofKey;
use common::http::{request, shown, with_header, Outcome, Response};
use common::{assert_alive, Server};
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery staple";

/// A signed-up account on `server`.
struct Account {
    username: String,
    /// Unbound, `Bearer`.
    access_token: String,
    refresh_cookie: String,
}

async fn sign_up(server: &Server, username: &str) -> Account {
    let body = credentials(username);
    let response = answered(server, &request("POST", "/api/auth/signup", Some(&body))).await;
    expect_status(server, "sign-up", &response, 201).await;
    Account {
        username: username.to_owned(),
        access_token: token_of(&response),
        refresh_cookie: refresh_cookie(&response),
    }
}

/// A login of `account` with a proof by `key`: its DPoP-bound access token.
async fn bound_login(server: &Server, account: &Account, key: &ProofKey) -> String {
    let htu = format!("{}/api/auth/login", server.public_origin());
    let proof = key.proof("POST", &htu, None, "bound-login");
    let login = request(
        "POST",
        "/api/auth/login",
        Some(&credentials(&account.username)),
    );
    let response = answered(server, &with_header(login, "DPoP", proof.as_bytes())).await;
    expect_status(server, "bound login", &response, 200).await;
    token_of(&response)
}

fn credentials(username: &str) -> String {
    json!({ "username": username, "password": PASSWORD }).to_string()
}

fn token_of(response: &Response) -> String {
    let body = response.json().unwrap_or(Value::Null);
    body["access_token"].as_str().unwrap_or_default().to_owned()
}

fn refresh_cookie(response: &Response) -> String {
    let cookie = response
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, value)| value.split(';').next())
        .find(|pair| pair.starts_with("tg_refresh="));
    cookie.unwrap_or_default().to_owned()
}

/// The response to `bytes`; no response (a close, a hang) fails the test.
async fn answered(server: &Server, bytes: &[u8]) -> Response {
    match server.exchange(bytes).await {
        Outcome::Answered(response) => response,
        outcome => {
            let case = shown(bytes, 600);
            server.fail(&case, &format!("no answer: {outcome}")).await
        }
    }
}

async fn expect_status(server: &Server, case: &str, response: &Response, status: u16) {
    if response.status != status {
        let problem = format!(
            "expected {status}, got {} {}",
            response.status,
            shown(&response.body, 600)
        );
        server.fail(case, &problem).await;
    }
}

/// Sends `bytes`: exactly `status` with the JSON `error` `code`, then `/healthz` answers.
async fn assert_error(server: &Server, case: &str, bytes: &[u8], status: u16, code: &str) {
    let response = answered(server, bytes).await;
    if response.status != status || response.error_code().as_deref() != Some(code) {
        let problem = format!(
            "expected {status} {code}, got {} {}\nrequest: {}",
            response.status,
            shown(&response.body, 600),
            shown(bytes, 600)
        );
        server.fail(case, &problem).await;
    }
    assert_alive(server, case).await;
}

/// Like `assert_error`, for a 401 that also carries the DPoP challenge for `code`.
async fn assert_dpop_refusal(server: &Server, case: &str, bytes: &[u8], code: &str) {
    let response = answered(server, bytes).await;
    let challenge = response.header("www-authenticate").unwrap_or_default();
    let expected = format!("DPoP error=\"{code}\"");
    let fine = response.status == 401
        && response.error_code().as_deref() == Some(code)
        && challenge.starts_with(&expected);
    if !fine {
        let problem = format!(
            "expected 401 {code} with `WWW-Authenticate: {expected}...`, got {} \
             (WWW-Authenticate: {challenge:?}) {}\nrequest: {}",
            response.status,
            shown(&response.body, 600),
            shown(bytes, 600)
        );
        server.fail(case, &problem).await;
    }
    assert_alive(server, case).await;
}
