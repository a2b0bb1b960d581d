//! The `mail_outbox` table: mail is queued in the transaction of the change it reports and sent
//! later by whichever instance claims it first.
//!
//! The payload (subject and both parts) is sealed under the key-encryption key when one is
//! configured, bound to the row's id: a queued reset link is a credential, and a copy of the
//! database must not hand it out. Once sent (or given up) the payload is emptied, so the table
//! keeps only who was mailed, why and when.

use lettre::Address;

use super::message::{MailPurpose, OutgoingMail};
use crate::server::db::sealing::SealError;
use crate::server::db::{Backend, Db};

/// Rows with this purpose are requests resolved by the sender (see `sender::DeferredResolver`),
/// not mails.
pub const PASSWORD_RESET_REQUEST: &str = "password_reset_request";

#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("cannot seal the mail: {0}")]
    Seal(#[from] SealError),
    #[error("cannot encode the mail: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

/// Why a claimed row is no mail: it can never be sent, so it is given up at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    #[error("unknown purpose")]
    UnknownPurpose,
    #[error("the recipient is not an address")]
    BadRecipient,
    #[error("the payload is not a mail")]
    BadPayload,
}

/// The stored words: `{subject,text,html}` as JSON.
#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    subject: String,
    text: String,
    html: String,
}

/// A row claimed for sending, its payload opened.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: String,
    pub purpose: String,
    pub recipient: String,
    /// Opened: plaintext JSON for a mail, the resolver's input for a request.
    pub payload: String,
    pub created_at: i64,
    /// Claims so far, this one included.
    pub attempts: i64,
}

impl QueuedMail {
    /// The mail this row holds.
    pub fn mail(&self) -> Result<OutgoingMail, RowError> {
        let purpose = MailPurpose::parse(&self.purpose).ok_or(RowError::UnknownPurpose)?;
        let to: Address = self.recipient.parse().map_err(|_| RowError::BadRecipient)?;
        let payload: Payload =
            serde_json::from_str(&self.payload).map_err(|_| RowError::BadPayload)?;
        Ok(OutgoingMail {
            purpose,
            to,
            subject: payload.subject,
            text: payload.text,
            html: payload.html,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: String,
    purpose: String,
    recipient: String,
    payload: String,
    created_at: i64,
    attempts: i64,
}

/// Mail waiting to be sent, and mail given up in the last day.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct QueueDepth {
    pub pending: i64,
    pub failed_recent: i64,
}

/// Queues `mail` (due at once) on `executor`, usually the caller's transaction.
pub async fn enqueue<'c, E>(
    executor: E,
    db: &Db,
    mail: &OutgoingMail,
    now: i64,
) -> Result<String, EnqueueError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let payload = serde_json::to_string(&Payload {
        subject: mail.subject.clone(),
        text: mail.text.clone(),
        html: mail.html.clone(),
    })?;
    let recipient = mail.to.to_string();
    insert(
        executor,
        db,
        mail.purpose.as_str(),
        &recipient,
        &payload,
        now,
    )
    .await
}

/// Queues a request (purpose [`PASSWORD_RESET_REQUEST`]) whose mail the sender's resolver
/// decides; `payload` is sealed like a mail's.
pub async fn enqueue_request<'c, E>(
    executor: E,
    db: &Db,
    purpose: &str,
    recipient: &str,
    payload: &str,
    now: i64,
) -> Result<String, EnqueueError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    insert(executor, db, purpose, recipient, payload, now).await
}

async fn insert<'c, E>(
    executor: E,
    db: &Db,
    purpose: &str,
    recipient: &str,
    payload: &str,
    now: i64,
) -> Result<String, EnqueueError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let id = uuid::Uuid::new_v4().to_string();
    let sealed = db.seal_text(payload, &id)?;
    sqlx::query(
        "INSERT INTO mail_outbox (id, purpose, recipient, payload, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&id)
    .bind(purpose)
    .bind(recipient)
    .bind(sealed)
    .bind(now)
    .execute(executor)
    .await?;
    Ok(id)
}

/// Unsent, not given up, due, and not claimed by a live lease.
const DUE: &str = "sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $2
                   AND (claimed_until IS NULL OR claimed_until < $2)";

/// Claims the oldest due row for `lease_secs`, in one statement: the outer `WHERE` repeats the
/// due condition, so of two instances that picked the same row only the first one's update
/// matches (PostgreSQL re-checks it after waiting for the row lock, and skips rows another
/// claim holds locked; SQLite runs one writer at a time). A row whose payload does not open was
/// altered or sealed under another key: it is given up and the next one claimed.
pub async fn claim_next(
    db: &Db,
    now: i64,
    lease_secs: i64,
) -> Result<Option<QueuedMail>, sqlx::Error> {
    let skip_locked = match db.backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let claim = format!(
        "UPDATE mail_outbox SET claimed_until = $1, attempts = attempts + 1
          WHERE id = (SELECT id FROM mail_outbox WHERE {DUE}
                       ORDER BY next_attempt_at LIMIT 1{skip_locked})
            AND {DUE}
         RETURNING id, purpose, recipient, payload, created_at, attempts"
    );
    loop {
        let row: Option<ClaimedRow> = sqlx::query_as(&claim)
            .bind(now + lease_secs)
            .bind(now)
            .fetch_optional(&db.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        match db.open_text(&row.payload, &row.id) {
            Ok(payload) => {
                return Ok(Some(QueuedMail {
                    id: row.id,
                    purpose: row.purpose,
                    recipient: row.recipient,
                    payload,
                    created_at: row.created_at,
                    attempts: row.attempts,
                }))
            }
            Err(e) => {
                tracing::error!(id = %row.id, purpose = %row.purpose, error = %e,
                    "queued mail does not open, given up");
                mark_failed(db, &row.id, now, &format!("payload does not open: {e}")).await?;
            }
        }
    }
}

/// Sent (or resolved with nothing to send): the payload is emptied and the claim released.
pub async fn mark_sent(db: &Db, id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mail_outbox SET sent_at = $2, payload = '', claimed_until = NULL, last_error = NULL
          WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Not sent this time: due again at `next_attempt_at`.
pub async fn mark_retry(
    db: &Db,
    id: &str,
    next_attempt_at: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mail_outbox SET next_attempt_at = $2, claimed_until = NULL, last_error = $3
          WHERE id = $1",
    )
    .bind(id)
    .bind(next_attempt_at)
    .bind(error)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Given up: never tried again. The payload is emptied too (a link that will never be sent need
/// not be kept).
pub async fn mark_failed(db: &Db, id: &str, now: i64, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mail_outbox SET failed_at = $2, payload = '', claimed_until = NULL, last_error = $3
          WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .bind(error)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// How much is waiting (due or not) and how much was given up in the day before `now`.
pub async fn depth(db: &Db, now: i64) -> Result<QueueDepth, sqlx::Error> {
    let (pending, failed_recent): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN failed_at > $1 THEN 1 ELSE 0 END), 0)
           FROM mail_outbox",
    )
    .bind(now - 86_400)
    .fetch_one(&db.pool)
    .await?;
    Ok(QueueDepth {
        pending,
        failed_recent,
    })
}

/// Deletes sent and given-up rows older than `sent_before`; returns how many.
pub async fn prune(db: &Db, sent_before: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM mail_outbox WHERE sent_at < $1 OR failed_at < $1")
            .bind(sent_before)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}
