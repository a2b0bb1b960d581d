//! Outgoing mail (issue 13): e-mail verification, password reset, and notices of changes to an
//! account.
//!
//! Delivery never happens inside a request. A change and the mail reporting it are committed
//! together: the mail is a row in `mail_outbox` ([`queue::enqueue`], on the caller's
//! transaction), so a rolled-back change sends nothing and a committed one cannot lose its mail
//! to a relay that is down. Each instance runs one [`Mailer`] task that claims due rows for a
//! lease, sends them through the [`Transport`] (an SMTP relay, or `.eml` files in the outbox
//! directory when none is configured), and records the outcome: sent (payload emptied), retried
//! with back-off, or given up after `TOKENGATE_MAIL_GIVE_UP_SECS`. The instance that queued a
//! mail wakes its sender at once; the others find it at their next poll.
//!
//! Queued words are sealed under the key-encryption key when one is configured: a queued reset
//! link is a credential. Rows of purpose [`PASSWORD_RESET_REQUEST`] are requests that a
//! [`DeferredResolver`] turns into a mail (or none) in the background, so that a request for a
//! known and an unknown address costs the request the same work.
//!
//! - `config`: the settings; `templates` (with `layout`): the words; `message`: the wire form;
//! - `queue`: the table; `retry`: back-off and give-up; `transport`: SMTP or outbox;
//! - `sender`: the background task.

pub mod config;
mod layout;
pub mod message;
pub mod queue;
#[cfg(test)]
mod queue_tests;
pub mod retry;
pub mod sender;
#[cfg(test)]
mod sender_tests;
pub mod templates;
pub mod transport;

pub use config::MailConfig;
pub use message::{MailPurpose, OutgoingMail};
pub use queue::{
    enqueue, enqueue_request, EnqueueError, QueueDepth, QueuedMail, PASSWORD_RESET_REQUEST,
};
pub use sender::{Clock, DeferredResolver, Mailer, LEASE_SECS};
pub use templates::{mask_address, Context, Rendered};
pub use transport::{Delivered, MailError, Transport};
