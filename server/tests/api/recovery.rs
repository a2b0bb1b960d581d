//! Account recovery by e-mail (issue 13), against a real SMTP listener on loopback: the server's
//! lettre client speaks SMTP to `helpers::smtp::SmtpSink`, the test reads the message and follows
//! its link, exactly as a user would.

mod delivery;
mod notices;
mod reset;
mod verification;

use std::time::Duration;

use reqwest::Response;
use serde_json::{json, Value};

use crate::helpers::sessions::{session_from, Session};
use crate::helpers::smtp::{ReceivedMail, SmtpSink};
use crate::helpers::{json_with_status, send, Backend, TestServer};

pub const PASSWORD: &str = "correct horse";
pub const NEW_PASSWORD: &str = "battery staple";
const MAIL_TIMEOUT: Duration = Duration::from_secs(20);

/// The settings every recovery test runs with: mail is polled and retried every second.
pub fn mail_env(sink_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("TOKENGATE_SMTP_URL", sink_url.to_owned()),
        ("TOKENGATE_MAIL_POLL_SECS", "1".to_owned()),
        ("TOKENGATE_MAIL_RETRY_BASE_SECS", "1".to_owned()),
        ("TOKENGATE_MAIL_RETRY_MAX_SECS", "1".to_owned()),
    ]
}

/// A server whose mail goes to a sink the test reads.
pub struct Mailbox {
    pub server: TestServer,
    pub sink: SmtpSink,
}

impl Mailbox {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, &[]).await
    }

    pub async fn start_with(backend: Backend, extra: &[(&str, &str)]) -> Self {
        let sink = SmtpSink::start().await;
        let mut env = mail_env(&sink.url());
        env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let server = TestServer::spawn_with(backend, &env).await;
        Self { server, sink }
    }

    pub async fn signup_with_email(&self, username: &str, email: &str) -> Session {
        let body = json!({ "username": username, "password": PASSWORD, "email": email });
        session_from(self.post("/api/auth/signup", &body).await, 201).await
    }

    /// Signs up with `email` and confirms the link it was sent.
    pub async fn verified(&self, username: &str, email: &str) -> Session {
        let session = self.signup_with_email(username, email).await;
        let mail = self.mail_to(email, "Confirm your e-mail address", 1).await;
        let verified = self.verify(&mail.token("/verify-email")).await;
        json_with_status(verified, 200).await;
        session
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        let server = &self.server;
        send(server.client.post(server.url(path)).json(body)).await
    }

    pub async fn verify(&self, token: &str) -> Response {
        self.post("/api/auth/verify-email", &json!({ "token": token }))
            .await
    }

    pub async fn request_reset(&self, email: &str) -> Response {
        self.post("/api/auth/password-reset", &json!({ "email": email }))
            .await
    }

    pub async fn confirm_reset(&self, token: &str, new_password: &str) -> Response {
        let body = json!({ "token": token, "new_password": new_password });
        self.post("/api/auth/password-reset/confirm", &body).await
    }

    pub async fn account(&self, bearer: &str) -> Value {
        let response = self.server.get_bearer("/api/account", bearer).await;
        json_with_status(response, 200).await
    }

    /// Waits for the `n`-th message to `to` whose subject contains `subject` (1-based).
    pub async fn mail_to(&self, to: &str, subject: &str, n: usize) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + MAIL_TIMEOUT;
        loop {
            let matching = self.received(to, subject);
            if matching.len() >= n {
                return matching[n - 1].clone();
            }
            if tokio::time::Instant::now() > deadline {
                let all: Vec<_> = self
                    .sink
                    .messages()
                    .iter()
                    .map(|m| format!("{:?}: {}", m.to, m.subject))
                    .collect();
                panic!(
                    "no mail #{n} to {to} about {subject:?} within {MAIL_TIMEOUT:?}; got {all:?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every message received so far for `to` whose subject contains `subject`.
    pub fn received(&self, to: &str, subject: &str) -> Vec<ReceivedMail> {
        self.sink
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .filter(|m| m.subject.contains(subject))
            .collect()
    }

    /// Waits until the mail queue has nothing left to send (every row sent or failed), so that
    /// "no mail was sent" can be asserted.
    pub async fn queue_drained(&self) {
        let deadline = tokio::time::Instant::now() + MAIL_TIMEOUT;
        loop {
            let pending = self.server.sql(
                "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL",
            );
            if pending.trim() == "0" {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "mail queue still holds {pending} rows"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
