//! Sessions: the `tg_refresh` cookie (parsed by hand: reqwest's cookie store is not enabled),
//! refresh, logout and the bearer-token session endpoints.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{COOKIE, SET_COOKIE, USER_AGENT};
use reqwest::{RequestBuilder, Response};
use serde_json::{json, Value};

use super::{json_with_status, send, Backend, TestServer};

/// A logged-in device: its access token, its refresh token and the whole token response.
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// The whole `Set-Cookie` header that delivered the refresh token.
    pub cookie: String,
    pub body: Value,
}

impl Session {
    /// The `sid` claim of the access token: the session (refresh family) it belongs to.
    pub fn sid(&self) -> String {
        let sid = crate::tokens::segment(&self.access_token, 1)["sid"].clone();
        sid.as_str().expect("sid is a string").to_owned()
    }
}

/// The response's `Set-Cookie: tg_refresh=...` header, if any (never more than one).
pub fn refresh_set_cookie(response: &Response) -> Option<String> {
    let mut cookies = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter(|cookie| cookie.starts_with("tg_refresh="));
    let first = cookies.next().map(str::to_owned);
    assert!(cookies.next().is_none(), "tg_refresh is set twice");
    first
}

/// The value of a `tg_refresh=<value>; ...` header.
pub fn cookie_value(set_cookie: &str) -> &str {
    let pair = set_cookie.split(';').next().unwrap_or_default();
    pair.strip_prefix("tg_refresh=")
        .expect("a tg_refresh cookie")
}

/// Asserts the status and a new refresh cookie; returns the session.
pub async fn session_from(response: Response, status: u16) -> Session {
    let cookie = refresh_set_cookie(&response);
    let body = json_with_status(response, status).await;
    let cookie = cookie.expect("no tg_refresh cookie set");
    let access_token = body["access_token"].as_str().expect("access_token");
    Session {
        access_token: access_token.to_owned(),
        refresh_token: cookie_value(&cookie).to_owned(),
        cookie,
        body,
    }
}

/// Asserts that the response deletes the refresh cookie (plain HTTP on loopback: no `Secure`).
pub fn assert_refresh_cookie_cleared(response: &Response) {
    let cleared = "tg_refresh=; HttpOnly; SameSite=Strict; Path=/api/auth; Max-Age=0";
    assert_eq!(refresh_set_cookie(response).as_deref(), Some(cleared));
}

/// Sleeps until 50 ms past the next whole second: from there, sleeping `n` seconds crosses
/// exactly `n` boundaries of the server's clock, which counts whole Unix seconds.
pub async fn start_of_next_second() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH);
    let into = now.expect("clock after 1970").subsec_millis();
    tokio::time::sleep(Duration::from_millis(u64::from(1050 - into))).await;
}

impl TestServer {
    pub async fn signup_session(&self, username: &str, password: &str) -> Session {
        session_from(self.signup(username, password).await, 201).await
    }

    pub async fn login_session(&self, username: &str, password: &str) -> Session {
        session_from(self.login(username, password).await, 200).await
    }

    /// Logs in with `User-Agent: <agent>`.
    pub async fn login_with_agent(&self, username: &str, password: &str, agent: &str) -> Session {
        let body = json!({ "username": username, "password": password });
        let request = self.client.post(self.url("/api/auth/login")).json(&body);
        session_from(send(request.header(USER_AGENT, agent)).await, 200).await
    }

    /// `POST /api/auth/refresh` with an empty JSON body and, if given,
    /// `Cookie: tg_refresh=<token>`.
    pub async fn refresh(&self, token: Option<&str>) -> Response {
        send(with_cookie(json_post(self, "/api/auth/refresh"), token)).await
    }

    /// Refreshes and asserts 200 with a new refresh cookie.
    pub async fn refreshed(&self, token: &str) -> Session {
        session_from(self.refresh(Some(token)).await, 200).await
    }

    /// `POST /api/auth/logout` with the refresh cookie and/or a bearer token.
    pub async fn logout(&self, token: Option<&str>, bearer: Option<&str>) -> Response {
        let mut request = with_cookie(json_post(self, "/api/auth/logout"), token);
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        send(request).await
    }

    /// `POST <path>` with a bearer token and a JSON body.
    pub async fn post_bearer(&self, path: &str, bearer: &str, body: &Value) -> Response {
        send(
            self.client
                .post(self.url(path))
                .bearer_auth(bearer)
                .json(body),
        )
        .await
    }

    pub async fn get_bearer(&self, path: &str, bearer: &str) -> Response {
        send(self.client.get(self.url(path)).bearer_auth(bearer)).await
    }

    pub async fn delete_bearer(&self, path: &str, bearer: &str) -> Response {
        send(self.client.delete(self.url(path)).bearer_auth(bearer)).await
    }

    /// `GET /api/auth/sessions`, asserted 200: the caller's sessions.
    pub async fn sessions_of(&self, bearer: &str) -> Vec<Value> {
        let response = self.get_bearer("/api/auth/sessions", bearer).await;
        let body = json_with_status(response, 200).await;
        body.as_array().expect("sessions is an array").clone()
    }
}

/// A POST with `Content-Type: application/json` and no body, as the browser client sends to the
/// cookie endpoints (which refuse any other content type).
fn json_post(server: &TestServer, path: &str) -> RequestBuilder {
    let request = server.client.post(server.url(path));
    request.header(reqwest::header::CONTENT_TYPE, "application/json")
}

fn with_cookie(request: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(token) => request.header(COOKIE, format!("tg_refresh={token}")),
        None => request,
    }
}

/// A fresh server where "alice" is logged in on three devices: three sessions.
pub async fn alice_on_three_devices(
    backend: Backend,
    password: &str,
) -> (TestServer, [Session; 3]) {
    let server = TestServer::spawn_on(backend).await;
    let first = server.signup_session("alice", password).await;
    let second = server.login_session("alice", password).await;
    let third = server.login_session("alice", password).await;
    (server, [first, second, third])
}
