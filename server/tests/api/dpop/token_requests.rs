//! A token request's proof is checked before anything else the request does: a bad one costs no
//! password check and is not a failed login, creates no account, and uses up no second-factor
//! code, challenge or reset link (the retry with a good proof, or none, still works).

use serde_json::json;

use super::{assert_challenge, credentials, PASSWORD};
use crate::helpers::dpop::DpopKey;
use crate::helpers::sessions::session_from;
use crate::helpers::{json_with_status, Backend, TestServer};
use crate::recovery::Mailbox;

/// A proof that is valid in every way except its URL: made for another endpoint.
fn misdirected(server: &TestServer) -> String {
    DpopKey::new().proof("POST", &server.htu("/api/auth/refresh"), None)
}

async fn a_bad_proof_at_login_is_refused_before_the_password_is_checked(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;
    server.signup_session("alice", PASSWORD).await;

    for password in [PASSWORD, "not her password"] {
        let body = json!({ "username": "alice", "password": password });
        let response = server
            .post_with_proof("/api/auth/login", &body, &misdirected(&server))
            .await;
        assert_challenge(response, "invalid_dpop_proof").await;
    }

    let failed = "SELECT count(*) FROM security_events WHERE kind = 'login_failed'";
    assert_eq!(server.sql(failed).trim(), "0");
    json_with_status(server.login("alice", PASSWORD).await, 200).await;
}

async fn a_bad_proof_at_sign_up_creates_no_account(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    let response = server
        .post_with_proof("/api/auth/signup", &credentials(), &misdirected(&server))
        .await;

    assert_challenge(response, "invalid_dpop_proof").await;
    assert_eq!(server.sql("SELECT count(*) FROM users").trim(), "0");
    let signups = "SELECT count(*) FROM security_events WHERE kind = 'signup'";
    assert_eq!(server.sql(signups).trim(), "0");
    session_from(server.signup("alice", PASSWORD).await, 201).await;
}

async fn a_bad_proof_at_the_second_step_uses_up_neither_code_nor_challenge(backend: Backend) {
    let server = crate::mfa::server(backend).await;
    let mut enrolled = crate::mfa::enrolled(&server).await;
    let mfa_token = crate::mfa::mfa_token(&server).await;
    let body = json!({ "mfa_token": mfa_token, "code": enrolled.app.code() });

    let refused = server
        .post_with_proof("/api/auth/mfa/verify", &body, &misdirected(&server))
        .await;

    assert_challenge(refused, "invalid_dpop_proof").await;
    let key = DpopKey::new();
    let proof = key.proof("POST", &server.htu("/api/auth/mfa/verify"), None);
    let retry = server
        .post_with_proof("/api/auth/mfa/verify", &body, &proof)
        .await;
    assert_eq!(session_from(retry, 200).await.body["token_type"], "DPoP");
}

async fn a_bad_proof_at_reset_confirmation_leaves_the_link_working(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    mail.verified("alice", "alice@example.com").await;
    json_with_status(mail.request_reset("alice@example.com").await, 202).await;
    let token = mail
        .mail_to("alice@example.com", "Reset your password", 1)
        .await
        .token("/reset-password");
    let body = json!({ "token": token, "new_password": "a brand new passphrase" });

    let refused = mail
        .server
        .post_with_proof(
            "/api/auth/password-reset/confirm",
            &body,
            &misdirected(&mail.server),
        )
        .await;

    assert_challenge(refused, "invalid_dpop_proof").await;
    let unchanged = mail.server.login("alice", crate::recovery::PASSWORD).await;
    json_with_status(unchanged, 200).await;
    let retry = mail.post("/api/auth/password-reset/confirm", &body).await;
    session_from(retry, 200).await;
}

async fn a_bad_proof_at_passkey_sign_in_uses_up_neither_ceremony_nor_counter(backend: Backend) {
    use crate::passkeys::{alice_with_passkey, sign_in_finish, sign_in_start};
    let server = crate::passkeys::server(backend).await;
    let (_, mut authenticator) = alice_with_passkey(&server).await;
    let started = sign_in_start(&server).await;
    let credential = authenticator.assert(&started["options"]);
    let body = json!({ "ceremony": started["ceremony"], "credential": credential });

    let path = "/api/auth/passkeys/login/finish";
    let refused = server
        .post_with_proof(path, &body, &misdirected(&server))
        .await;

    assert_challenge(refused, "invalid_dpop_proof").await;
    let events = "SELECT count(*) FROM security_events WHERE kind LIKE 'passkey%'";
    let before = server.sql(events);
    let retry = sign_in_finish(&server, &started["ceremony"], &credential).await;
    assert_eq!(
        session_from(retry, 200).await.body["user"]["username"],
        "alice"
    );
    assert_eq!(server.sql(events), before);
}

on_both_backends!(
    a_bad_proof_at_passkey_sign_in_uses_up_neither_ceremony_nor_counter,
    a_bad_proof_at_login_is_refused_before_the_password_is_checked,
    a_bad_proof_at_sign_up_creates_no_account,
    a_bad_proof_at_the_second_step_uses_up_neither_code_nor_challenge,
    a_bad_proof_at_reset_confirmation_leaves_the_link_working,
);
