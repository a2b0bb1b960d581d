//! Password reset: identical answers whatever the address, links only to verified addresses,
//! single use, newest only, expiry, sessions ended, login locks cleared, throttles.

use serde_json::json;

use super::{Mailbox, NEW_PASSWORD, PASSWORD};
use crate::helpers::sessions::session_from;
use crate::helpers::{assert_error, json_with_status, Backend};

const RESET: &str = "Reset your password";

async fn a_reset_request_answers_alike_for_known_unknown_and_unverified_addresses(
    backend: Backend,
) {
    let mail = Mailbox::start(backend).await;
    mail.verified("alice", "alice@example.com").await;
    mail.signup_with_email("bob", "bob@example.com").await;

    let mut answers = Vec::new();
    for email in ["alice@example.com", "nobody@example.com", "bob@example.com"] {
        let response = mail.request_reset(email).await;
        let status = response.status().as_u16();
        let mut names: Vec<String> = response
            .headers()
            .keys()
            .map(|n| n.as_str().to_owned())
            .filter(|n| n != "date" && n != "x-request-id")
            .collect();
        names.sort();
        let body = response.text().await.unwrap();
        answers.push((status, names, body));
    }

    assert_eq!(answers[0].0, 202);
    assert_eq!(answers[0].2, r#"{"accepted":true}"#);
    assert_eq!(answers[1], answers[0]);
    assert_eq!(answers[2], answers[0]);
    mail.mail_to("alice@example.com", RESET, 1).await;
    mail.queue_drained().await;
    assert!(mail.received("nobody@example.com", "").is_empty());
    assert!(mail.received("bob@example.com", RESET).is_empty());
}

async fn a_reset_link_sets_the_password_ends_every_session_and_logs_in(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    let first = mail.verified("alice", "alice@example.com").await;
    let second = session_from(mail.server.login("alice", PASSWORD).await, 200).await;
    json_with_status(mail.request_reset("alice@example.com").await, 202).await;
    let link = mail.mail_to("alice@example.com", RESET, 1).await;
    let origin = &mail.server.public_origin();
    assert!(link
        .link("/reset-password")
        .starts_with(&format!("{origin}/reset-password?token=")));

    let reset = mail
        .confirm_reset(&link.token("/reset-password"), NEW_PASSWORD)
        .await;

    let session = session_from(reset, 200).await;
    assert_eq!(session.body["user"]["username"], "alice");
    json_with_status(mail.server.me(&session.access_token).await, 200).await;
    for old in [&first, &second] {
        let refresh = mail.server.refresh(Some(&old.refresh_token)).await;
        assert_error(refresh, 401, "invalid_refresh_token").await;
        let account = mail
            .server
            .get_bearer("/api/account", &old.access_token)
            .await;
        assert_error(account, 401, "invalid_token").await;
    }
    assert_error(
        mail.server.login("alice", PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    json_with_status(mail.server.login("alice", NEW_PASSWORD).await, 200).await;
    let notice = mail.mail_to("alice@example.com", "was reset", 1).await;
    assert!(notice.text.contains("signed out"), "{}", notice.text);
}

async fn a_reset_link_works_once(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    mail.verified("alice", "alice@example.com").await;
    json_with_status(mail.request_reset("alice@example.com").await, 202).await;
    let token = mail
        .mail_to("alice@example.com", RESET, 1)
        .await
        .token("/reset-password");
    session_from(mail.confirm_reset(&token, NEW_PASSWORD).await, 200).await;

    let again = mail.confirm_reset(&token, "another passphrase").await;

    assert_error(again, 400, "invalid_reset_token").await;
    json_with_status(mail.server.login("alice", NEW_PASSWORD).await, 200).await;
}

async fn only_the_newest_reset_link_works(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    mail.verified("alice", "alice@example.com").await;
    json_with_status(mail.request_reset("alice@example.com").await, 202).await;
    let first = mail.mail_to("alice@example.com", RESET, 1).await;
    json_with_status(mail.request_reset("alice@example.com").await, 202).await;
    let second = mail.mail_to("alice@example.com", RESET, 2).await;

    let old = mail
        .confirm_reset(&first.token("/reset-password"), NEW_PASSWORD)
        .await;
    assert_error(old, 400, "invalid_reset_token").await;
    let new = mail
        .confirm_reset(&second.token("/reset-password"), NEW_PASSWORD)
        .await;
    session_from(new, 200).await;
}

async fn an_expired_reset_link_is_refused_and_the_ttl_setting_sets_the_deadline(backend: Backend) {
    let mail = Mailbox::start_with(backend, &[("TOKENGATE_PASSWORD_RESET_TTL_SECS", "300")]).await;
    mail.verified("alice", "alice@example.com").await;
    json_with_status(mail.request_reset("alice@example.com").await, 202).await;
    let token = mail
        .mail_to("alice@example.com", RESET, 1)
        .await
        .token("/reset-password");
    let lifetime = mail
        .server
        .sql("SELECT expires_at - created_at FROM email_tokens WHERE purpose = 'password_reset'");
    assert_eq!(lifetime.trim(), "300");

    mail.server
        .sql("UPDATE email_tokens SET expires_at = created_at WHERE purpose = 'password_reset'");

    let late = mail.confirm_reset(&token, NEW_PASSWORD).await;
    assert_error(late, 400, "invalid_reset_token").await;
    json_with_status(mail.server.login("alice", PASSWORD).await, 200).await;
}

async fn a_weak_new_password_is_422_and_does_not_burn_the_link(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    mail.verified("alice", "alice@example.com").await;
    json_with_status(mail.request_reset("alice@example.com").await, 202).await;
    let token = mail
        .mail_to("alice@example.com", RESET, 1)
        .await
        .token("/reset-password");

    assert_error(
        mail.confirm_reset(&token, "short").await,
        422,
        "weak_password",
    )
    .await;
    assert_error(
        mail.confirm_reset(&token, "alice").await,
        422,
        "weak_password",
    )
    .await;

    session_from(mail.confirm_reset(&token, NEW_PASSWORD).await, 200).await;
}

async fn opening_the_reset_page_consumes_nothing(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    mail.verified("alice", "alice@example.com").await;
    json_with_status(mail.request_reset("alice@example.com").await, 202).await;
    let token = mail
        .mail_to("alice@example.com", RESET, 1)
        .await
        .token("/reset-password");

    let page = mail
        .server
        .get(&format!("/reset-password?token={token}"))
        .await;
    assert_eq!(page.status().as_u16(), 200);

    session_from(mail.confirm_reset(&token, NEW_PASSWORD).await, 200).await;
}

async fn a_reset_clears_the_accounts_login_lock(backend: Backend) {
    let mail = Mailbox::start_with(backend, &[("TOKENGATE_LOGIN_MAX_FAILURES", "2")]).await;
    mail.verified("alice", "alice@example.com").await;
    for _ in 0..2 {
        let _ = mail.server.login("alice", "wrong horse").await;
    }
    assert_error(
        mail.server.login("alice", PASSWORD).await,
        429,
        "too_many_attempts",
    )
    .await;

    json_with_status(mail.request_reset("alice@example.com").await, 202).await;
    let token = mail
        .mail_to("alice@example.com", RESET, 1)
        .await
        .token("/reset-password");
    session_from(mail.confirm_reset(&token, NEW_PASSWORD).await, 200).await;

    json_with_status(mail.server.login("alice", NEW_PASSWORD).await, 200).await;
}

async fn a_link_sent_before_the_address_changed_is_dead(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    let session = mail.verified("alice", "alice@example.com").await;
    json_with_status(mail.request_reset("alice@example.com").await, 202).await;
    let token = mail
        .mail_to("alice@example.com", RESET, 1)
        .await
        .token("/reset-password");
    let body = json!({ "email": "alice@new.example", "password": PASSWORD });
    let change = mail
        .server
        .post_bearer("/api/account/email", &session.access_token, &body)
        .await;
    json_with_status(change, 202).await;
    let link = mail.mail_to("alice@new.example", "Confirm", 1).await;
    json_with_status(mail.verify(&link.token("/verify-email")).await, 200).await;

    let reset = mail.confirm_reset(&token, NEW_PASSWORD).await;

    assert_error(reset, 400, "invalid_reset_token").await;
}

async fn reset_requests_are_throttled_per_address_and_per_client(backend: Backend) {
    let mail = Mailbox::start_with(
        backend,
        &[
            ("TOKENGATE_PASSWORD_RESET_MAX_PER_ADDRESS", "2"),
            ("TOKENGATE_PASSWORD_RESET_MAX_PER_IP", "3"),
        ],
    )
    .await;

    let mut per_address = Vec::new();
    for _ in 0..3 {
        let response = mail.request_reset("nobody@example.com").await;
        per_address.push(response.status().as_u16());
    }
    assert_eq!(per_address, [202, 202, 429]);

    // The client has used 2 of its 3 (a refused request is not counted); one more passes.
    let mut per_client = Vec::new();
    for email in ["one@example.com", "two@example.com"] {
        per_client.push(mail.request_reset(email).await.status().as_u16());
    }
    assert_eq!(per_client, [202, 429]);
}

async fn a_request_for_something_that_is_not_an_address_is_400(backend: Backend) {
    let mail = Mailbox::start(backend).await;

    assert_error(mail.request_reset("alice").await, 400, "invalid_input").await;
    let missing = mail.post("/api/auth/password-reset", &json!({})).await;
    assert_eq!(missing.status().as_u16(), 400);
}

on_both_backends!(
    a_reset_request_answers_alike_for_known_unknown_and_unverified_addresses,
    a_reset_link_sets_the_password_ends_every_session_and_logs_in,
    a_reset_link_works_once,
    only_the_newest_reset_link_works,
    an_expired_reset_link_is_refused_and_the_ttl_setting_sets_the_deadline,
    a_weak_new_password_is_422_and_does_not_burn_the_link,
    opening_the_reset_page_consumes_nothing,
    a_reset_clears_the_accounts_login_lock,
    a_link_sent_before_the_address_changed_is_dead,
    reset_requests_are_throttled_per_address_and_per_client,
    a_request_for_something_that_is_not_an_address_is_400,
);
