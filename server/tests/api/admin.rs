//! Administration and the audit trail (issue 16): admin calls check the role and the session in
//! the database; disabling ends sessions at once; a demoted admin loses the power at once; the
//! events of a scripted journey come out exactly.

mod actions;
mod events;

use serde_json::Value;

use crate::helpers::sessions::Session;
use crate::helpers::{json_with_status, Backend, TestServer};

pub const PASSWORD: &str = "correct horse";

/// Promotes `username` the way an operator's first step does (the CLI has its own tests).
pub fn promote(server: &TestServer, username: &str) {
    server.sql(&format!(
        "UPDATE users SET role = 'admin' WHERE username_key = '{username}'"
    ));
}

/// A server with an admin "root" logged in, and room for many sign-ups from one address.
pub async fn with_admin(backend: Backend) -> (TestServer, Session) {
    let server = TestServer::spawn_with(
        backend,
        &[
            ("TOKENGATE_SIGNUP_MAX_PER_IP", "1000"),
            ("TOKENGATE_LOGIN_MAX_FAILURES_PER_IP", "1000"),
        ],
    )
    .await;
    server.signup_session("root", PASSWORD).await;
    promote(&server, "root");
    let admin = server.login_session("root", PASSWORD).await;
    (server, admin)
}

pub fn user_id(session: &Session) -> String {
    session.body["user"]["id"].as_str().unwrap().to_owned()
}

pub async fn act(server: &TestServer, admin: &Session, id: &str, action: &str) -> Value {
    let path = format!("/api/admin/users/{id}/{action}");
    let response = server
        .post_bearer(&path, &admin.access_token, &serde_json::json!({}))
        .await;
    json_with_status(response, 200).await
}
