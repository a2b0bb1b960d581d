//! The TOTP second factor (issue 14): codes are computed here the way an authenticator app
//! computes them (totp-rs), from the secret the set-up answers.

mod enrolment;
mod login;
mod step_up;

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::sessions::Session;
use crate::helpers::{json_with_status, Backend, TestServer};

pub const PASSWORD: &str = "correct horse";

/// The user's authenticator app. Each code it hands out is for a later 30 s step than the one
/// before (the server accepts a step once), from the previous step up to the next one.
pub struct App {
    totp: TOTP,
    last_step: Option<u64>,
}

impl App {
    pub fn new(secret: &str) -> Self {
        let bytes = Secret::Encoded(secret.to_owned())
            .to_bytes()
            .expect("base32 secret");
        let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "alice".into())
            .expect("a valid TOTP");
        Self {
            totp,
            last_step: None,
        }
    }

    /// A code the server has not seen yet. Panics if three were used within one step window
    /// (no test needs more).
    pub fn code(&mut self) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let current = now / 30;
        let step = match self.last_step {
            Some(last) => (last + 1).max(current - 1),
            None => current - 1,
        };
        assert!(step <= current + 1, "out of fresh TOTP steps");
        self.last_step = Some(step);
        self.totp.generate(step * 30)
    }
}

/// alice with the factor on: her enrolment session, her app and her recovery codes.
pub struct Enrolled {
    pub session: Session,
    pub app: App,
    pub recovery_codes: Vec<String>,
}

pub async fn set_up(server: &TestServer, bearer: &str) -> Value {
    let body = json!({ "password": PASSWORD });
    let response = server
        .post_bearer("/api/auth/mfa/totp/setup", bearer, &body)
        .await;
    json_with_status(response, 200).await
}

pub async fn enrolled(server: &TestServer) -> Enrolled {
    let session = server.signup_session("alice", PASSWORD).await;
    let setup = set_up(server, &session.access_token).await;
    let mut app = App::new(setup["secret"].as_str().unwrap());
    let body = json!({ "code": app.code() });
    let confirm = server
        .post_bearer("/api/auth/mfa/totp/confirm", &session.access_token, &body)
        .await;
    let codes = json_with_status(confirm, 200).await;
    let recovery_codes = codes["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    Enrolled {
        session,
        app,
        recovery_codes,
    }
}

/// Logs in with the password and returns the `mfa_token` of the 403 answer.
pub async fn mfa_token(server: &TestServer) -> String {
    let response = server.login("alice", PASSWORD).await;
    let body = json_with_status(response, 403).await;
    body["mfa_token"].as_str().expect("an mfa_token").to_owned()
}

pub async fn verify(server: &TestServer, body: &Value) -> reqwest::Response {
    let request = server
        .client
        .post(server.url("/api/auth/mfa/verify"))
        .json(body);
    crate::helpers::send(request).await
}

pub async fn server(backend: Backend) -> TestServer {
    TestServer::spawn_with(backend, &[("TOKENGATE_LOGIN_MAX_FAILURES", "20")]).await
}
