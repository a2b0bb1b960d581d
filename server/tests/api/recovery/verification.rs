//! An address per account: verification links (a scanner's GET consumes nothing, single use,
//! expiry, newest only), login by verified address, addresses already in use, address changes.

use serde_json::json;

use super::{Mailbox, PASSWORD};
use crate::helpers::sessions::session_from;
use crate::helpers::{assert_error, json_with_status, Backend, TestServer};

const CONFIRM: &str = "Confirm your e-mail address";

async fn signup_with_an_address_sends_a_link_and_the_account_shows_it_unverified(backend: Backend) {
    let mail = Mailbox::start(backend).await;

    let session = mail.signup_with_email("alice", "Alice@Example.COM").await;

    let account = mail.account(&session.access_token).await;
    assert_eq!(account["email"], "Alice@example.com");
    assert_eq!(account["email_verified"], false);
    assert_eq!(account["pending_email"], serde_json::Value::Null);
    let message = mail.mail_to("Alice@example.com", CONFIRM, 1).await;
    let link = message.link("/verify-email");
    let origin = &mail.server.public_origin();
    assert!(
        link.starts_with(&format!("{origin}/verify-email?token=")),
        "{link}"
    );
    assert!(message.html.contains(&message.token("/verify-email")));
}

async fn opening_the_link_changes_nothing_and_only_the_post_verifies_once(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    let session = mail.signup_with_email("alice", "alice@example.com").await;
    let message = mail.mail_to("alice@example.com", CONFIRM, 1).await;
    let token = message.token("/verify-email");

    // What a mail scanner does: fetch the link, twice.
    for _ in 0..2 {
        let page = mail
            .server
            .get(&format!("/verify-email?token={token}"))
            .await;
        assert_eq!(page.status().as_u16(), 200);
    }
    let account = mail.account(&session.access_token).await;
    assert_eq!(account["email_verified"], false);

    let verified = json_with_status(mail.verify(&token).await, 200).await;
    assert_eq!(verified, json!({ "email": "alice@example.com" }));
    let account = mail.account(&session.access_token).await;
    assert_eq!(account["email_verified"], true);
    assert_eq!(account["pending_email"], serde_json::Value::Null);

    assert_error(mail.verify(&token).await, 400, "invalid_verify_token").await;
}

async fn unknown_malformed_and_expired_verification_links_are_400(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    mail.signup_with_email("alice", "alice@example.com").await;
    let token = mail
        .mail_to("alice@example.com", CONFIRM, 1)
        .await
        .token("/verify-email");

    for bad in ["", "short", &"A".repeat(43), &format!("{token}x")] {
        assert_error(mail.verify(bad).await, 400, "invalid_verify_token").await;
    }
    // Expiry is checked against the stored deadline (the TTL setting sets it: see `ttl_setting`).
    mail.server
        .sql("UPDATE email_tokens SET expires_at = created_at");
    assert_error(mail.verify(&token).await, 400, "invalid_verify_token").await;
}

async fn the_verification_ttl_setting_sets_the_deadline(backend: Backend) {
    let mail = Mailbox::start_with(backend, &[("TOKENGATE_EMAIL_VERIFY_TTL_SECS", "600")]).await;
    mail.signup_with_email("alice", "alice@example.com").await;
    mail.mail_to("alice@example.com", CONFIRM, 1).await;

    let lifetime = mail
        .server
        .sql("SELECT expires_at - created_at FROM email_tokens");

    assert_eq!(lifetime.trim(), "600");
}

async fn a_resent_link_replaces_the_earlier_one(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    let session = mail.signup_with_email("alice", "alice@example.com").await;
    let first = mail.mail_to("alice@example.com", CONFIRM, 1).await;

    let resend = mail
        .server
        .post_bearer(
            "/api/account/email/resend",
            &session.access_token,
            &json!({}),
        )
        .await;
    json_with_status(resend, 202).await;
    let second = mail.mail_to("alice@example.com", CONFIRM, 2).await;

    let old = mail.verify(&first.token("/verify-email")).await;
    assert_error(old, 400, "invalid_verify_token").await;
    json_with_status(mail.verify(&second.token("/verify-email")).await, 200).await;
}

async fn a_verified_address_logs_in_in_place_of_the_username(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    mail.verified("alice", "alice@example.com").await;

    let session = session_from(mail.server.login("ALICE@example.com", PASSWORD).await, 200).await;

    assert_eq!(session.body["user"]["username"], "alice");
    let wrong = mail.server.login("alice@example.com", "wrong horse").await;
    assert_error(wrong, 401, "invalid_credentials").await;
}

async fn an_unverified_address_does_not_log_in(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    mail.signup_with_email("alice", "alice@example.com").await;

    let response = mail.server.login("alice@example.com", PASSWORD).await;

    assert_error(response, 401, "invalid_credentials").await;
}

/// Sign-up never reveals that an address is taken: the same answer, and the address's owner is
/// told instead of a link being sent.
async fn signup_with_an_address_in_use_answers_alike_and_notifies_its_owner(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    let alice = mail.verified("alice", "alice@example.com").await;

    let body = json!({ "username": "mallory", "password": PASSWORD, "email": "alice@example.com" });
    let mallory = session_from(mail.post("/api/auth/signup", &body).await, 201).await;

    let keys = |v: &serde_json::Value| {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&mallory.body), keys(&alice.body));
    mail.mail_to("alice@example.com", "tried to use", 1).await;
    mail.queue_drained().await;
    // One confirmation link ever went to the address: alice's own.
    assert_eq!(mail.received("alice@example.com", CONFIRM).len(), 1);
    let account = mail.account(&mallory.access_token).await;
    assert_eq!(account["email_verified"], false);
    // And the address still logs alice in, not mallory.
    let login = session_from(mail.server.login("alice@example.com", PASSWORD).await, 200).await;
    assert_eq!(login.body["user"]["username"], "alice");
}

async fn an_invalid_address_is_400_invalid_input(backend: Backend) {
    let server = TestServer::spawn_on(backend).await;

    for email in [
        "alice",
        "alice@localhost",
        "a@b@example.com",
        "alice@example.com\r\nBcc: x@y.z",
    ] {
        let body = json!({ "username": "alice", "password": PASSWORD, "email": email });
        let response = crate::helpers::send(
            server
                .client
                .post(server.url("/api/auth/signup"))
                .json(&body),
        )
        .await;
        assert_error(response, 400, "invalid_input").await;
    }
}

async fn require_email_refuses_a_signup_without_one(backend: Backend) {
    let mail = Mailbox::start_with(backend, &[("TOKENGATE_REQUIRE_EMAIL", "true")]).await;

    let body = json!({ "username": "alice", "password": PASSWORD });
    assert_error(
        mail.post("/api/auth/signup", &body).await,
        400,
        "invalid_input",
    )
    .await;

    mail.signup_with_email("alice", "alice@example.com").await;
}

async fn changing_the_address_needs_the_password_and_takes_effect_when_confirmed(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    let session = mail.verified("alice", "alice@example.com").await;
    let bearer = &session.access_token;

    let wrong = json!({ "email": "alice@new.example", "password": "wrong horse" });
    let response = mail
        .server
        .post_bearer("/api/account/email", bearer, &wrong)
        .await;
    assert_error(response, 401, "invalid_credentials").await;

    let body = json!({ "email": "alice@new.example", "password": PASSWORD });
    let response = mail
        .server
        .post_bearer("/api/account/email", bearer, &body)
        .await;
    assert_eq!(
        json_with_status(response, 202).await,
        json!({ "accepted": true })
    );

    // Not yet: the old address still is the account's.
    let account = mail.account(bearer).await;
    assert_eq!(account["email"], "alice@example.com");
    assert_eq!(account["pending_email"], "alice@new.example");
    let notice = mail.mail_to("alice@example.com", "change", 1).await;
    assert!(notice.text.contains("a***@new.example"), "{}", notice.text);

    let link = mail.mail_to("alice@new.example", CONFIRM, 1).await;
    json_with_status(mail.verify(&link.token("/verify-email")).await, 200).await;
    let account = mail.account(bearer).await;
    assert_eq!(account["email"], "alice@new.example");
    assert_eq!(account["email_verified"], true);
    let old = mail.server.login("alice@example.com", PASSWORD).await;
    assert_error(old, 401, "invalid_credentials").await;
    json_with_status(mail.server.login("alice@new.example", PASSWORD).await, 200).await;
}

/// Moving an account onto an address another account verified answers exactly like any change
/// and sends that address a notice, never a link.
async fn changing_to_an_address_in_use_answers_alike_and_sends_no_link(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    mail.verified("alice", "alice@example.com").await;
    let bob = mail.signup_with_email("bob", "bob@example.com").await;

    let body = json!({ "email": "alice@example.com", "password": PASSWORD });
    let response = mail
        .server
        .post_bearer("/api/account/email", &bob.access_token, &body)
        .await;

    assert_eq!(
        json_with_status(response, 202).await,
        json!({ "accepted": true })
    );
    mail.mail_to("alice@example.com", "tried to use", 1).await;
    mail.queue_drained().await;
    assert_eq!(mail.received("alice@example.com", CONFIRM).len(), 1);
}

async fn address_changes_are_throttled_per_account(backend: Backend) {
    let mail = Mailbox::start_with(backend, &[("TOKENGATE_EMAIL_MAX_PER_ACCOUNT", "2")]).await;
    let session = mail.verified("alice", "alice@example.com").await;
    let bearer = &session.access_token;

    let mut statuses = Vec::new();
    for n in 0..3 {
        let body = json!({ "email": format!("alice{n}@new.example"), "password": PASSWORD });
        let response = mail
            .server
            .post_bearer("/api/account/email", bearer, &body)
            .await;
        statuses.push(response.status().as_u16());
    }

    assert_eq!(statuses, [202, 202, 429]);
}

on_both_backends!(
    signup_with_an_address_sends_a_link_and_the_account_shows_it_unverified,
    opening_the_link_changes_nothing_and_only_the_post_verifies_once,
    unknown_malformed_and_expired_verification_links_are_400,
    the_verification_ttl_setting_sets_the_deadline,
    a_resent_link_replaces_the_earlier_one,
    a_verified_address_logs_in_in_place_of_the_username,
    an_unverified_address_does_not_log_in,
    signup_with_an_address_in_use_answers_alike_and_notifies_its_owner,
    an_invalid_address_is_400_invalid_input,
    require_email_refuses_a_signup_without_one,
    changing_the_address_needs_the_password_and_takes_effect_when_confirmed,
    changing_to_an_address_in_use_answers_alike_and_sends_no_link,
    address_changes_are_throttled_per_account,
);
