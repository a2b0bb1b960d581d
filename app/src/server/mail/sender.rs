//! The background sender: one task per instance drains the due rows of `mail_outbox`, then waits
//! for a [`Mailer::wake`] (mail just queued here) or the poll interval (mail queued by another
//! instance, or a retry coming due), whichever comes first.
//!
//! Each row is claimed for [`LEASE_SECS`] before it is sent, and a delivery is cut off well
//! inside that lease, so no two instances send the same row while both are alive. An instance
//! that crashes mid-send leaves its claim to expire, and another instance sends the row then.
//! The one case of a duplicate is a crash (or a database failure) between the relay accepting a
//! mail and `mark_sent`: that one mail goes out again when its lease expires. A failed delivery is retried with back-off (`retry`) until the
//! give-up time; nothing here panics the task or ends its loop, and a database error is logged
//! and retried at the next tick. Log lines name a mail's purpose, id and outbox file, never its
//! recipient, link or body.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use lettre::message::Mailbox;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::config::MailConfig;
use super::message::OutgoingMail;
use super::queue::{self, QueueDepth, QueuedMail, PASSWORD_RESET_REQUEST};
use super::retry::{AfterFailure, RetryPolicy};
use super::transport::{Delivered, MailError, Transport};
use crate::server::db::Db;
use crate::server::now_unix;

/// How long a claim keeps other instances off a row.
pub const LEASE_SECS: i64 = 60;
/// A delivery (resolving, connecting, sending) taking longer is abandoned and retried: well
/// under the lease, so the claim is still ours when the outcome is recorded.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(40);

/// Resolves a queued request (purpose [`PASSWORD_RESET_REQUEST`]) into the mail to send, if any:
/// the request's work is done here, in the background, so that answering it costs the same
/// whether or not the address belongs to an account. Called again on every retry.
pub trait DeferredResolver: Send + Sync + 'static {
    /// `Ok(None)`: nothing to send (the row is marked sent); `Err`: try again later.
    fn resolve<'a>(
        &'a self,
        db: &'a Db,
        recipient: &'a str,
        payload: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<Option<OutgoingMail>, String>>;
}

/// The clock the sender reads before each claim and each record (tests fix it).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Cheap to clone: one shared transport, `From` mailbox, policy and wake-up signal.
#[derive(Clone)]
pub struct Mailer(Arc<Inner>);

struct Inner {
    transport: Transport,
    from: Mailbox,
    retry: RetryPolicy,
    poll: Duration,
    sent_retention_secs: i64,
    wake: Notify,
}

/// How one delivery ended.
enum Outcome {
    Delivered(&'static str, Delivered),
    NothingToSend,
    /// Can never succeed: given up at once.
    Unsendable(String),
    /// May succeed later.
    Failed(String),
}

impl Mailer {
    /// SMTP with `TOKENGATE_SMTP_URL`, else the outbox in `data_dir`.
    pub fn new(config: &MailConfig, data_dir: &Path) -> Result<Self, MailError> {
        let transport = Transport::from_config(config, data_dir)?;
        match &transport {
            Transport::Smtp(_) => tracing::info!("mail is sent by SMTP (TOKENGATE_SMTP_URL)"),
            Transport::Outbox(outbox) => tracing::info!(dir = %outbox.dir.display(),
                "no TOKENGATE_SMTP_URL: mail is written to the outbox directory"),
        }
        Ok(Self::with_transport(transport, config))
    }

    pub fn with_transport(transport: Transport, config: &MailConfig) -> Self {
        Self(Arc::new(Inner {
            transport,
            from: config.mail_from.clone(),
            retry: RetryPolicy::from_config(config),
            poll: Duration::from_secs(config.mail_poll_secs),
            sent_retention_secs: i64::try_from(config.mail_sent_retention_secs).unwrap_or(i64::MAX),
            wake: Notify::new(),
        }))
    }

    /// How long sent and given-up rows are kept (`TOKENGATE_MAIL_SENT_RETENTION_SECS`), for
    /// the pruning task.
    pub fn sent_retention_secs(&self) -> i64 {
        self.0.sent_retention_secs
    }

    /// Sends what is due now instead of at the next poll: call after committing an enqueue.
    pub fn wake(&self) {
        self.0.wake.notify_one();
    }

    /// Starts the sender loop on the wall clock.
    pub fn spawn(&self, db: Db, resolver: Arc<dyn DeferredResolver>) -> JoinHandle<()> {
        let mailer = self.clone();
        let clock: Clock = Arc::new(now_unix);
        tokio::spawn(async move {
            let mut last_depth: Option<QueueDepth> = None;
            let mut db_down = false;
            loop {
                let pass = mailer.send_due(&db, &resolver, &clock).await;
                let depth = match pass {
                    Ok(_) => queue::depth(&db, clock()).await,
                    Err(e) => Err(e),
                };
                match depth {
                    Ok(depth) => {
                        if db_down {
                            tracing::info!("mail queue reachable again");
                            db_down = false;
                        }
                        if last_depth != Some(depth) {
                            tracing::info!(
                                pending = depth.pending,
                                failed = depth.failed_recent,
                                "mail queue"
                            );
                            last_depth = Some(depth);
                        }
                    }
                    Err(e) if !db_down => {
                        tracing::warn!(error = %e, "mail queue unreachable, will retry");
                        db_down = true;
                    }
                    Err(_) => {}
                }
                tokio::select! {
                    () = mailer.0.wake.notified() => {}
                    () = tokio::time::sleep(mailer.0.poll) => {}
                }
            }
        })
    }

    /// Claims and delivers due rows until none is left; returns how many were handled.
    pub async fn send_due(
        &self,
        db: &Db,
        resolver: &Arc<dyn DeferredResolver>,
        clock: &Clock,
    ) -> Result<usize, sqlx::Error> {
        let mut handled = 0;
        while let Some(row) = queue::claim_next(db, clock(), LEASE_SECS).await? {
            // Its own task: should anything in a delivery panic, the loop goes on.
            let task = tokio::spawn({
                let (mailer, db, resolver, row, clock) = (
                    self.clone(),
                    db.clone(),
                    resolver.clone(),
                    row.clone(),
                    clock.clone(),
                );
                async move { mailer.attempt(&db, resolver.as_ref(), &row, clock()).await }
            });
            let outcome = task
                .await
                .unwrap_or_else(|_| Outcome::Failed("the delivery panicked".into()));
            self.record(db, &row, outcome, clock()).await?;
            handled += 1;
        }
        Ok(handled)
    }

    async fn attempt(
        &self,
        db: &Db,
        resolver: &dyn DeferredResolver,
        row: &QueuedMail,
        now: i64,
    ) -> Outcome {
        let work = async {
            let mail = if row.purpose == PASSWORD_RESET_REQUEST {
                match resolver
                    .resolve(db, &row.recipient, &row.payload, now)
                    .await
                {
                    Ok(Some(mail)) => mail,
                    Ok(None) => return Outcome::NothingToSend,
                    Err(e) => return Outcome::Failed(format!("resolving the request: {e}")),
                }
            } else {
                match row.mail() {
                    Ok(mail) => mail,
                    Err(e) => return Outcome::Unsendable(e.to_string()),
                }
            };
            let message = match mail.to_message(&self.0.from) {
                Ok(message) => message,
                Err(e) => return Outcome::Unsendable(MailError::from(e).to_string()),
            };
            match self.0.transport.send(message).await {
                Ok(delivered) => Outcome::Delivered(mail.purpose.as_str(), delivered),
                Err(e) => Outcome::Failed(e.to_string()),
            }
        };
        tokio::time::timeout(DELIVERY_TIMEOUT, work)
            .await
            .unwrap_or_else(|_| Outcome::Failed(MailError::Timeout.to_string()))
    }

    async fn record(
        &self,
        db: &Db,
        row: &QueuedMail,
        outcome: Outcome,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let (id, attempts) = (row.id.as_str(), row.attempts);
        match outcome {
            Outcome::Delivered(purpose, Delivered::File(file)) => {
                queue::mark_sent(db, id, now).await?;
                tracing::info!(purpose, id, file = %file.display(), "mail written to outbox");
            }
            Outcome::Delivered(purpose, Delivered::Smtp) => {
                queue::mark_sent(db, id, now).await?;
                tracing::info!(purpose, id, "mail sent");
            }
            Outcome::NothingToSend => {
                queue::mark_sent(db, id, now).await?;
                tracing::debug!(id, "request resolved with nothing to send");
            }
            Outcome::Unsendable(error) => {
                queue::mark_failed(db, id, now, &error).await?;
                tracing::error!(purpose = %row.purpose, id, error, "queued mail cannot be sent, given up");
            }
            Outcome::Failed(error) => {
                match self.0.retry.after_failure(row.created_at, attempts, now) {
                    AfterFailure::RetryAt(next) => {
                        queue::mark_retry(db, id, next, &error).await?;
                        tracing::warn!(purpose = %row.purpose, id, attempts, error,
                        "mail delivery failed, will retry");
                    }
                    AfterFailure::GiveUp => {
                        queue::mark_failed(db, id, now, &error).await?;
                        tracing::error!(purpose = %row.purpose, id, attempts, error,
                        "mail delivery failed too long, given up");
                    }
                }
            }
        }
        Ok(())
    }
}
