//! Security notices: each says what happened, when, and from which browser and address; an
//! account kept locked does not flood its owner's mailbox.

use serde_json::json;

use super::{Mailbox, NEW_PASSWORD, PASSWORD};
use crate::helpers::{json_with_status, Backend};

async fn a_password_change_notifies_the_verified_address(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    let session = mail.verified("alice", "alice@example.com").await;
    let body = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });

    let response = mail
        .server
        .post_bearer("/api/auth/password", &session.access_token, &body)
        .await;

    json_with_status(response, 200).await;
    let notice = mail
        .mail_to("alice@example.com", "password was changed", 1)
        .await;
    // From which browser and address (the test client sends no User-Agent).
    assert!(notice.text.contains("127.0.0.1"), "{}", notice.text);
    assert!(notice.text.contains("UTC"), "{}", notice.text);
    assert!(notice.html.contains("127.0.0.1"), "{}", notice.html);
}

async fn locking_an_account_notifies_its_owner_once_per_window(backend: Backend) {
    let mail = Mailbox::start_with(
        backend,
        &[
            ("TOKENGATE_LOGIN_MAX_FAILURES", "2"),
            ("TOKENGATE_LOGIN_LOCKOUT_SECS", "1"),
        ],
    )
    .await;
    mail.verified("alice", "alice@example.com").await;

    // Two locks in a row: the second failure locks for 1 s, the first attempt after it locks
    // again (for 2 s).
    for _ in 0..2 {
        let _ = mail.server.login("alice", "wrong horse").await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let relock = mail.server.login("alice", "wrong horse").await;
    assert_eq!(relock.status().as_u16(), 401);
    let locked = mail.server.login("alice", PASSWORD).await;
    assert_eq!(locked.status().as_u16(), 429);

    let notice = mail.mail_to("alice@example.com", "locked", 1).await;
    assert!(notice.text.contains("alice"), "{}", notice.text);
    mail.queue_drained().await;
    assert_eq!(mail.received("alice@example.com", "locked").len(), 1);
}

async fn notices_escape_what_the_client_sent(backend: Backend) {
    let mail = Mailbox::start(backend).await;
    let session = mail.verified("alice", "alice@example.com").await;
    let body = json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD });

    let request = mail
        .server
        .client
        .post(mail.server.url("/api/auth/password"))
        .bearer_auth(&session.access_token)
        .header("user-agent", "<script>alert(1)</script>")
        .json(&body);
    json_with_status(crate::helpers::send(request).await, 200).await;

    let notice = mail
        .mail_to("alice@example.com", "password was changed", 1)
        .await;
    assert!(!notice.html.contains("<script>"), "{}", notice.html);
    assert!(notice.html.contains("&lt;script&gt;"), "{}", notice.html);
}

on_both_backends!(
    a_password_change_notifies_the_verified_address,
    locking_an_account_notifies_its_owner_once_per_window,
    notices_escape_what_the_client_sent,
    second_factor_changes_are_notified,
);

/// Turning the second factor on and off, and logging in with a recovery code, are told to the
/// verified address.
async fn second_factor_changes_are_notified(backend: Backend) {
    use crate::helpers::sessions::session_from;
    use crate::mfa::{mfa_token, set_up, verify, App};

    let mail = Mailbox::start(backend).await;
    let session = mail.verified("alice", "alice@example.com").await;
    let bearer = &session.access_token;
    let setup = set_up(&mail.server, bearer).await;
    let mut app = App::new(setup["secret"].as_str().unwrap());
    let confirm = json!({ "code": app.code() });
    let codes = mail
        .server
        .post_bearer("/api/auth/mfa/totp/confirm", bearer, &confirm)
        .await;
    let codes = json_with_status(codes, 200).await;
    mail.mail_to("alice@example.com", "turned on", 1).await;

    let token = mfa_token(&mail.server).await;
    let body = json!({ "mfa_token": token, "recovery_code": codes["recovery_codes"][0] });
    let recovered = session_from(verify(&mail.server, &body).await, 200).await;
    let notice = mail.mail_to("alice@example.com", "recovery code", 1).await;
    assert!(
        notice.text.contains("9 recovery codes left"),
        "{}",
        notice.text
    );

    let off = json!({ "password": PASSWORD, "code": app.code() });
    let response = mail
        .server
        .post_bearer("/api/auth/mfa/totp/disable", &recovered.access_token, &off)
        .await;
    json_with_status(response, 200).await;
    mail.mail_to("alice@example.com", "turned off", 1).await;
}
