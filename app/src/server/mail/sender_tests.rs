//! The sender's passes on an in-memory database, with the outbox transport or a relay that
//! refuses connections, the clock fixed by hand.

use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::config::MailConfig;
use super::message::{MailPurpose, OutgoingMail};
use super::queue::{self, PASSWORD_RESET_REQUEST};
use super::sender::{Clock, DeferredResolver, Mailer};
use super::transport::Transport;
use crate::server::db::Db;
use crate::server::testkit::memory_db;

const GIVE_UP: i64 = 1_000;

fn config() -> MailConfig {
    MailConfig {
        smtp_url: None,
        mail_from: "Tokengate <no-reply@localhost>".parse().unwrap(),
        mail_poll_secs: 5,
        mail_retry_base_secs: 10,
        mail_retry_max_secs: 900,
        mail_give_up_secs: GIVE_UP as u64,
        mail_sent_retention_secs: 0,
    }
}

fn mail(to: &str) -> OutgoingMail {
    OutgoingMail {
        purpose: MailPurpose::VerifyEmail,
        to: to.parse().unwrap(),
        subject: "Confirm your e-mail address".into(),
        text: "Confirm: https://x.example/verify-email?token=T".into(),
        html: "<p>Confirm</p>".into(),
    }
}

fn at(now: i64) -> Clock {
    Arc::new(move || now)
}

/// A private, empty outbox that is removed when dropped.
struct Outbox(PathBuf);

impl Outbox {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("tokengate-mail-{}", uuid::Uuid::new_v4())))
    }

    fn mailer(&self) -> Mailer {
        Mailer::with_transport(Transport::outbox(&self.0).unwrap(), &config())
    }

    fn files(&self) -> Vec<String> {
        std::fs::read_dir(&self.0)
            .unwrap()
            .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
            .collect()
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Nowhere listens on port 1: every delivery fails at once.
fn refused() -> Mailer {
    Mailer::with_transport(Transport::smtp("smtp://127.0.0.1:1").unwrap(), &config())
}

/// Answers every request with `answer`.
struct Fixed(Result<Option<OutgoingMail>, String>);

impl DeferredResolver for Fixed {
    fn resolve<'a>(
        &'a self,
        _: &'a Db,
        _: &'a str,
        _: &'a str,
        _: i64,
    ) -> BoxFuture<'a, Result<Option<OutgoingMail>, String>> {
        Box::pin(async move { self.0.clone() })
    }
}

fn resolver(answer: Result<Option<OutgoingMail>, String>) -> Arc<dyn DeferredResolver> {
    Arc::new(Fixed(answer))
}

async fn row(db: &Db, id: &str) -> (i64, i64, Option<i64>, Option<i64>, Option<String>) {
    sqlx::query_as(
        "SELECT attempts, next_attempt_at, sent_at, failed_at, last_error FROM mail_outbox
          WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

async fn request(db: &Db) -> String {
    queue::enqueue_request(
        &db.pool,
        db,
        PASSWORD_RESET_REQUEST,
        "a@x.example",
        "{}",
        100,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn without_smtp_a_queued_mail_is_written_to_the_outbox_and_marked_sent() {
    let (db, outbox) = (memory_db().await, Outbox::new());
    let id = queue::enqueue(&db.pool, &db, &mail("alice@example.com"), 100)
        .await
        .unwrap();

    let handled = outbox
        .mailer()
        .send_due(&db, &resolver(Ok(None)), &at(100))
        .await
        .unwrap();

    assert_eq!(handled, 1);
    let files = outbox.files();
    assert_eq!(files.len(), 1);
    assert!(files[0].contains("To: alice@example.com"), "{}", files[0]);
    assert!(files[0].contains("Subject: Confirm your e-mail address"));
    assert_eq!(row(&db, &id).await, (1, 100, Some(100), None, None));
}

#[tokio::test]
async fn a_failed_delivery_is_retried_after_the_base_delay_with_its_error() {
    let db = memory_db().await;
    let id = queue::enqueue(&db.pool, &db, &mail("alice@example.com"), 100)
        .await
        .unwrap();

    refused()
        .send_due(&db, &resolver(Ok(None)), &at(100))
        .await
        .unwrap();

    let (attempts, next_attempt_at, sent_at, failed_at, error) = row(&db, &id).await;
    assert_eq!(
        (attempts, next_attempt_at, sent_at, failed_at),
        (1, 110, None, None)
    );
    assert!(error.unwrap().starts_with("SMTP delivery failed"));
}

#[tokio::test]
async fn the_second_failure_waits_twice_as_long() {
    let db = memory_db().await;
    let id = queue::enqueue(&db.pool, &db, &mail("alice@example.com"), 100)
        .await
        .unwrap();
    let mailer = refused();

    mailer
        .send_due(&db, &resolver(Ok(None)), &at(100))
        .await
        .unwrap();
    mailer
        .send_due(&db, &resolver(Ok(None)), &at(110))
        .await
        .unwrap();

    assert_eq!(row(&db, &id).await.1, 130);
}

#[tokio::test]
async fn a_mail_still_failing_at_the_give_up_time_is_given_up() {
    let db = memory_db().await;
    let id = queue::enqueue(&db.pool, &db, &mail("alice@example.com"), 100)
        .await
        .unwrap();
    let mailer = refused();

    mailer
        .send_due(&db, &resolver(Ok(None)), &at(100 + GIVE_UP - 1))
        .await
        .unwrap();
    let last_try = row(&db, &id).await;
    mailer
        .send_due(&db, &resolver(Ok(None)), &at(100 + GIVE_UP))
        .await
        .unwrap();

    assert_eq!(last_try.1, 100 + GIVE_UP);
    assert_eq!(last_try.3, None);
    assert_eq!(row(&db, &id).await.3, Some(100 + GIVE_UP));
}

#[tokio::test]
async fn a_row_that_is_no_mail_is_given_up_at_once() {
    let (db, outbox) = (memory_db().await, Outbox::new());
    let id = queue::enqueue_request(&db.pool, &db, "carrier_pigeon", "a@x.example", "{}", 100)
        .await
        .unwrap();

    outbox
        .mailer()
        .send_due(&db, &resolver(Ok(None)), &at(100))
        .await
        .unwrap();

    let (_, _, _, failed_at, error) = row(&db, &id).await;
    assert_eq!(failed_at, Some(100));
    assert_eq!(error.as_deref(), Some("unknown purpose"));
    assert!(outbox.files().is_empty());
}

#[tokio::test]
async fn a_request_resolved_to_a_mail_sends_that_mail() {
    let (db, outbox) = (memory_db().await, Outbox::new());
    let id = request(&db).await;

    let answer = resolver(Ok(Some(mail("bob@example.com"))));
    outbox
        .mailer()
        .send_due(&db, &answer, &at(100))
        .await
        .unwrap();

    let files = outbox.files();
    assert_eq!(files.len(), 1);
    assert!(files[0].contains("To: bob@example.com"), "{}", files[0]);
    assert_eq!(row(&db, &id).await.2, Some(100));
}

#[tokio::test]
async fn a_request_resolved_to_nothing_is_marked_sent_and_sends_nothing() {
    let (db, outbox) = (memory_db().await, Outbox::new());
    let id = request(&db).await;

    outbox
        .mailer()
        .send_due(&db, &resolver(Ok(None)), &at(100))
        .await
        .unwrap();

    assert!(outbox.files().is_empty());
    assert_eq!(row(&db, &id).await.2, Some(100));
}

#[tokio::test]
async fn a_request_that_does_not_resolve_is_retried() {
    let (db, outbox) = (memory_db().await, Outbox::new());
    let id = request(&db).await;

    let answer = resolver(Err("database down".into()));
    outbox
        .mailer()
        .send_due(&db, &answer, &at(100))
        .await
        .unwrap();

    let (attempts, next_attempt_at, sent_at, _, error) = row(&db, &id).await;
    assert_eq!((attempts, next_attempt_at, sent_at), (1, 110, None));
    assert_eq!(
        error.as_deref(),
        Some("resolving the request: database down")
    );
}

#[tokio::test]
async fn a_woken_sender_sends_at_once_instead_of_at_the_next_poll() {
    let (db, outbox) = (memory_db().await, Outbox::new());
    let mailer = outbox.mailer();
    let task = mailer.spawn(db.clone(), resolver(Ok(None)));
    queue::enqueue(&db.pool, &db, &mail("alice@example.com"), 0)
        .await
        .unwrap();

    mailer.wake();

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while outbox.files().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    task.abort();
    assert_eq!(outbox.files().len(), 1);
}
