//! Delivery through the queue: an SMTP outage delays mail and loses none, a restart resumes it,
//! two instances never send one message twice, and without an SMTP URL every message is an
//! `.eml` file in the outbox whose log line never carries the link.

use std::time::Duration;

use serde_json::json;

use super::{mail_env, PASSWORD};
use crate::helpers::sessions::session_from;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::{send, Backend, Storage, TestServer};

const CONFIRM: &str = "Confirm your e-mail address";

/// A loopback port nothing listens on (bound, then released).
async fn free_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

async fn signup_with_email(server: &TestServer, username: &str, email: &str) {
    let body = json!({ "username": username, "password": PASSWORD, "email": email });
    let response = send(
        server
            .client
            .post(server.url("/api/auth/signup"))
            .json(&body),
    )
    .await;
    session_from(response, 201).await;
}

fn env_for(url: &str) -> Vec<(&'static str, String)> {
    mail_env(url)
}

fn as_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Polls `sql` until it prints `expected`.
async fn eventually(server: &TestServer, sql: &str, expected: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let out = server.sql(sql);
        if out.trim() == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "`{sql}` printed {out:?}, expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn an_smtp_outage_delays_mail_and_loses_none(backend: Backend) {
    let port = free_port().await;
    let env = env_for(&format!("smtp://127.0.0.1:{port}"));
    let server = TestServer::spawn_with(backend, &as_refs(&env)).await;
    signup_with_email(&server, "alice", "alice@example.com").await;

    // The sender tries, fails and schedules a retry; the message stays queued.
    eventually(
        &server,
        "SELECT COUNT(*) FROM mail_outbox WHERE attempts >= 2 AND sent_at IS NULL AND last_error IS NOT NULL",
        "1",
    )
    .await;

    let sink = SmtpSink::start_on(port).await;
    let mail = sink
        .wait_for("alice@example.com", Duration::from_secs(20))
        .await;
    assert!(mail.subject.contains(CONFIRM), "{}", mail.subject);
    eventually(
        &server,
        "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NOT NULL",
        "1",
    )
    .await;
    assert_eq!(sink.messages().len(), 1);
    let (_, log) = server.stop().await;
    assert!(log.contains("mail delivery failed"), "{log}");
    assert!(
        !log.contains(&mail.token("/verify-email")),
        "the link reached the log"
    );
}

async fn a_restart_sends_what_was_queued_before_it(backend: Backend) {
    let port = free_port().await;
    let env = env_for(&format!("smtp://127.0.0.1:{port}"));
    let server = TestServer::spawn_with(backend, &as_refs(&env)).await;
    signup_with_email(&server, "alice", "alice@example.com").await;
    // An attempt that failed and released its claim (the next one is a second away): a server
    // stopped during an attempt would leave the row claimed for the lease's 60 s.
    eventually(
        &server,
        "SELECT COUNT(*) FROM mail_outbox WHERE attempts >= 1 AND sent_at IS NULL
         AND claimed_until IS NULL AND last_error IS NOT NULL",
        "1",
    )
    .await;
    let (storage, _) = server.stop().await;

    let sink = SmtpSink::start().await;
    let env = env_for(&sink.url());
    let server = TestServer::start(storage, &as_refs(&env)).await;

    let mail = sink
        .wait_for("alice@example.com", Duration::from_secs(20))
        .await;
    assert!(mail.subject.contains(CONFIRM));
    drop(server);
}

async fn two_instances_send_each_message_once(backend: Backend) {
    let sink = SmtpSink::start().await;
    let env = env_for(&sink.url());
    let first = TestServer::spawn_with(backend, &as_refs(&env)).await;
    // The second instance: its own data directory and port, the first one's database.
    let database = first.storage().database_url().unwrap_or_else(|| {
        let file = first.storage().dir.path().join("tokengate.db");
        format!("sqlite://{}", file.display())
    });
    let mut shared = env.clone();
    shared.push(("DATABASE_URL", database));
    let second = TestServer::start(Storage::new(Backend::Sqlite), &as_refs(&shared)).await;

    for n in 0..12 {
        let server = if n % 2 == 0 { &first } else { &second };
        signup_with_email(server, &format!("user{n}"), &format!("user{n}@example.com")).await;
    }

    for n in 0..12 {
        sink.wait_for(&format!("user{n}@example.com"), Duration::from_secs(20))
            .await;
    }
    eventually(
        &first,
        "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NOT NULL",
        "12",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.messages().len(), 12, "a message was sent twice");
}

async fn without_an_smtp_url_mail_is_written_to_the_outbox(backend: Backend) {
    let server = TestServer::spawn_with(backend, &[("RUST_LOG", "info")]).await;
    signup_with_email(&server, "alice", "alice@example.com").await;
    let outbox = server.storage().dir.path().join("outbox");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let file = loop {
        let files: Vec<_> = std::fs::read_dir(&outbox)
            .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        if let Some(file) = files
            .into_iter()
            .find(|p| p.extension().is_some_and(|e| e == "eml"))
        {
            break file;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no .eml in {outbox:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let raw = std::fs::read(&file).unwrap();
    let message = crate::helpers::smtp::ReceivedMail::parse(vec!["alice@example.com".into()], &raw);
    assert!(message.subject.contains(CONFIRM));
    let token = message.token("/verify-email");
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    // The sender logs the file once its row is marked sent, just after the file appears: wait
    // for that line rather than stop the server between the two.
    while !server.output().contains(&name) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, log) = server.stop().await;
    assert!(log.contains(&name), "the log does not name {name}: {log}");
    assert!(!log.contains(&token), "the link reached the log");
}

/// A queued reset link is a credential: with a key-encryption key, the queue stores it sealed,
/// and a sent message's body is not kept at all.
async fn queued_mail_is_sealed_with_a_key_encryption_key_and_emptied_once_sent(backend: Backend) {
    let kek_dir = tempfile::tempdir().unwrap();
    let kek = kek_dir.path().join("kek");
    // 32 bytes of 7, base64 (as `openssl rand -base64 32` writes a key).
    std::fs::write(&kek, "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&kek, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let port = free_port().await;
    let mut env = env_for(&format!("smtp://127.0.0.1:{port}"));
    env.push((
        "TOKENGATE_KEY_ENCRYPTION_KEY_FILE",
        kek.display().to_string(),
    ));
    let server = TestServer::spawn_with(backend, &as_refs(&env)).await;
    signup_with_email(&server, "alice", "alice@example.com").await;

    let stored = server.sql("SELECT payload FROM mail_outbox");
    assert!(stored.trim().starts_with("enc:v1:"), "{stored}");
    assert!(!stored.contains("verify-email"), "{stored}");

    let sink = SmtpSink::start_on(port).await;
    sink.wait_for("alice@example.com", Duration::from_secs(20))
        .await;
    eventually(
        &server,
        "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NOT NULL AND payload = ''",
        "1",
    )
    .await;
}

on_both_backends!(
    an_smtp_outage_delays_mail_and_loses_none,
    a_restart_sends_what_was_queued_before_it,
    two_instances_send_each_message_once,
    without_an_smtp_url_mail_is_written_to_the_outbox,
    queued_mail_is_sealed_with_a_key_encryption_key_and_emptied_once_sent,
);
