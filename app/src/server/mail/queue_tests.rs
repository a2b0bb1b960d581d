//! The queue on a real (in-memory SQLite) database, the clock moved by hand.

use super::message::{MailPurpose, OutgoingMail};
use super::queue::{self, QueueDepth, PASSWORD_RESET_REQUEST};
use crate::server::db::sealing::{KeyEncryptionKey, KEK_BYTES};
use crate::server::db::Db;
use crate::server::testkit::memory_db;

const LEASE: i64 = 60;

fn mail() -> OutgoingMail {
    OutgoingMail {
        purpose: MailPurpose::PasswordReset,
        to: "alice@example.com".parse().unwrap(),
        subject: "Reset your password".into(),
        text: "https://auth.example.com/reset-password?token=SECRET-TOKEN".into(),
        html: "<a href=\"https://auth.example.com/reset-password?token=SECRET-TOKEN\">".into(),
    }
}

async fn stored(db: &Db, id: &str) -> (String, Option<i64>, Option<i64>, Option<String>) {
    sqlx::query_as("SELECT payload, sent_at, failed_at, last_error FROM mail_outbox WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_queued_mail_is_claimed_with_its_words_and_marked_sent() {
    let db = memory_db().await;
    let id = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();

    let claimed = queue::claim_next(&db, 100, LEASE).await.unwrap().unwrap();
    queue::mark_sent(&db, &id, 101).await.unwrap();

    assert_eq!(claimed.id, id);
    assert_eq!(claimed.purpose, "password_reset");
    assert_eq!(claimed.recipient, "alice@example.com");
    assert_eq!(claimed.created_at, 100);
    assert_eq!(claimed.attempts, 1);
    assert_eq!(claimed.mail(), Ok(mail()));
    assert_eq!(
        stored(&db, &id).await,
        (String::new(), Some(101), None, None)
    );
    assert!(queue::claim_next(&db, 10_000, LEASE)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_mail_can_be_queued_inside_the_callers_transaction() {
    let db = memory_db().await;
    let mut tx = db.pool.begin().await.unwrap();
    queue::enqueue(&mut *tx, &db, &mail(), 100).await.unwrap();
    tx.rollback().await.unwrap();

    assert!(queue::claim_next(&db, 100, LEASE).await.unwrap().is_none());
}

#[tokio::test]
async fn a_claimed_mail_is_not_claimed_again_until_its_lease_passes() {
    let db = memory_db().await;
    let id = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    queue::claim_next(&db, 100, LEASE).await.unwrap().unwrap();

    let during = queue::claim_next(&db, 100 + LEASE, LEASE).await.unwrap();
    let after = queue::claim_next(&db, 101 + LEASE, LEASE).await.unwrap();

    assert!(during.is_none());
    let after = after.unwrap();
    assert_eq!(after.id, id);
    assert_eq!(after.attempts, 2);
}

#[tokio::test]
async fn a_retried_mail_waits_for_its_next_attempt_and_keeps_the_error() {
    let db = memory_db().await;
    let id = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    queue::claim_next(&db, 100, LEASE).await.unwrap().unwrap();
    queue::mark_retry(&db, &id, 110, "network error")
        .await
        .unwrap();

    let early = queue::claim_next(&db, 109, LEASE).await.unwrap();
    let due = queue::claim_next(&db, 110, LEASE).await.unwrap();

    assert!(early.is_none());
    assert_eq!(due.unwrap().attempts, 2);
    assert_eq!(stored(&db, &id).await.3.as_deref(), Some("network error"));
}

#[tokio::test]
async fn a_given_up_mail_is_never_claimed_again_and_its_words_are_dropped() {
    let db = memory_db().await;
    let id = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    queue::claim_next(&db, 100, LEASE).await.unwrap().unwrap();
    queue::mark_failed(&db, &id, 200, "relay refused")
        .await
        .unwrap();

    assert!(queue::claim_next(&db, 1_000_000, LEASE)
        .await
        .unwrap()
        .is_none());
    let (payload, sent_at, failed_at, error) = stored(&db, &id).await;
    assert_eq!(
        (payload.as_str(), sent_at, failed_at),
        ("", None, Some(200))
    );
    assert_eq!(error.as_deref(), Some("relay refused"));
}

#[tokio::test]
async fn the_oldest_due_mail_is_claimed_first() {
    let db = memory_db().await;
    let later = queue::enqueue(&db.pool, &db, &mail(), 200).await.unwrap();
    let first = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();

    let one = queue::claim_next(&db, 300, LEASE).await.unwrap().unwrap();
    let two = queue::claim_next(&db, 300, LEASE).await.unwrap().unwrap();

    assert_eq!((one.id, two.id), (first, later));
}

#[tokio::test]
async fn with_a_kek_the_stored_payload_hides_the_link_and_opens_on_claim() {
    let kek = KeyEncryptionKey::from_bytes(&[7; KEK_BYTES]).unwrap();
    let db = memory_db().await.with_kek(kek);
    let id = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();

    let (payload, ..) = stored(&db, &id).await;
    let claimed = queue::claim_next(&db, 100, LEASE).await.unwrap().unwrap();

    assert!(payload.starts_with("enc:v1:"), "{payload}");
    assert!(!payload.contains("SECRET-TOKEN"));
    assert!(!payload.contains("Reset your password"));
    assert_eq!(claimed.mail(), Ok(mail()));
}

#[tokio::test]
async fn a_payload_that_does_not_open_is_given_up_and_the_next_mail_claimed() {
    let kek = KeyEncryptionKey::from_bytes(&[7; KEK_BYTES]).unwrap();
    let db = memory_db().await.with_kek(kek);
    let broken = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    let fine = queue::enqueue(&db.pool, &db, &mail(), 200).await.unwrap();
    sqlx::query("UPDATE mail_outbox SET payload = 'enc:v1:AAAA' WHERE id = $1")
        .bind(&broken)
        .execute(&db.pool)
        .await
        .unwrap();

    let claimed = queue::claim_next(&db, 300, LEASE).await.unwrap().unwrap();

    assert_eq!(claimed.id, fine);
    assert_eq!(stored(&db, &broken).await.2, Some(300));
}

#[tokio::test]
async fn a_request_row_keeps_its_purpose_and_opened_payload() {
    let db = memory_db().await;
    let id = queue::enqueue_request(
        &db.pool,
        &db,
        PASSWORD_RESET_REQUEST,
        "bob@example.com",
        "{\"facts\":1}",
        100,
    )
    .await
    .unwrap();

    let claimed = queue::claim_next(&db, 100, LEASE).await.unwrap().unwrap();

    assert_eq!(claimed.id, id);
    assert_eq!(claimed.purpose, PASSWORD_RESET_REQUEST);
    assert_eq!(claimed.recipient, "bob@example.com");
    assert_eq!(claimed.payload, "{\"facts\":1}");
    assert!(claimed.mail().is_err());
}

#[tokio::test]
async fn depth_counts_pending_mail_and_failures_of_the_last_day() {
    let db = memory_db().await;
    let sent = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    let old_failure = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    let new_failure = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    queue::mark_sent(&db, &sent, 100).await.unwrap();
    queue::mark_failed(&db, &old_failure, 100, "x")
        .await
        .unwrap();
    queue::mark_failed(&db, &new_failure, 90_000, "x")
        .await
        .unwrap();

    let depth = queue::depth(&db, 100_000).await.unwrap();

    assert_eq!(
        depth,
        QueueDepth {
            pending: 1,
            failed_recent: 1
        }
    );
}

#[tokio::test]
async fn prune_deletes_sent_and_failed_mail_older_than_the_cutoff_only() {
    let db = memory_db().await;
    let old_sent = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    let old_failed = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    let new_sent = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    let pending = queue::enqueue(&db.pool, &db, &mail(), 100).await.unwrap();
    queue::mark_sent(&db, &old_sent, 100).await.unwrap();
    queue::mark_failed(&db, &old_failed, 100, "x")
        .await
        .unwrap();
    queue::mark_sent(&db, &new_sent, 500).await.unwrap();

    let pruned = queue::prune(&db, 500).await.unwrap();

    let left: Vec<(String,)> = sqlx::query_as("SELECT id FROM mail_outbox ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let mut expected = vec![(new_sent,), (pending,)];
    expected.sort();
    assert_eq!(pruned, 2);
    assert_eq!(left, expected);
}
