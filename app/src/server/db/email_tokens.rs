//! The `email_tokens` table: one-time links sent by mail (see `server::email_links`).

use super::Db;

/// What a link is for; a token made for one purpose is unknown to every other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    VerifyEmail,
    PasswordReset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::PasswordReset => "password_reset",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EmailToken {
    pub user_id: String,
    /// The address the link was sent to (for verification: the address it verifies).
    pub email: String,
    pub email_key: String,
    pub created_at: i64,
    pub expires_at: i64,
}

const COLUMNS: &str = "user_id, email, email_key, created_at, expires_at";

/// Stores a new link for `user_id` and retires every earlier unused one of the same purpose:
/// only the newest link works.
#[allow(clippy::too_many_arguments)]
pub async fn replace(
    conn: &mut sqlx::AnyConnection,
    token_hash: &str,
    user_id: &str,
    purpose: LinkPurpose,
    email: &str,
    email_key: &str,
    now: i64,
    ttl_secs: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE email_tokens SET used_at = $3
          WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, email, email_key, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(email)
    .bind(email_key)
    .bind(now)
    .bind(now + ttl_secs)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The live (unused, unexpired) link with this hash and purpose, without consuming it.
pub async fn find_live(
    db: &Db,
    token_hash: &str,
    purpose: LinkPurpose,
    now: i64,
) -> Result<Option<EmailToken>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM email_tokens
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
    ))
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(&db.pool)
    .await
}

/// Consumes the live link atomically: of two concurrent uses, exactly one gets it.
pub async fn consume(
    conn: &mut sqlx::AnyConnection,
    token_hash: &str,
    purpose: LinkPurpose,
    now: i64,
) -> Result<Option<EmailToken>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE email_tokens SET used_at = $3
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
          RETURNING {COLUMNS}"
    ))
    .bind(token_hash)
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// The address a live verification link of `user_id` is waiting to confirm, if any.
pub async fn pending_address(
    db: &Db,
    user_id: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT email FROM email_tokens
          WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
          ORDER BY created_at DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(LinkPurpose::VerifyEmail.as_str())
    .bind(now)
    .fetch_optional(&db.pool)
    .await
}

/// Retires every unused link of `user_id` (a reset or an address change makes them stale).
pub async fn retire_all(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// For the pruning task: links expired or used before `cutoff`.
pub async fn prune(db: &Db, cutoff: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM email_tokens WHERE expires_at < $1 OR used_at < $1")
            .bind(cutoff)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::testkit::{memory_db, user};

    const TTL: i64 = 1800;

    async fn issued(db: &Db, user_id: &str, hash: &str, now: i64) {
        let mut conn = db.pool.acquire().await.unwrap();
        let purpose = LinkPurpose::PasswordReset;
        replace(
            &mut conn,
            hash,
            user_id,
            purpose,
            "a@example.com",
            "a@example.com",
            now,
            TTL,
        )
        .await
        .unwrap();
    }

    async fn consumed(db: &Db, hash: &str, now: i64) -> bool {
        let mut conn = db.pool.acquire().await.unwrap();
        consume(&mut conn, hash, LinkPurpose::PasswordReset, now)
            .await
            .unwrap()
            .is_some()
    }

    #[tokio::test]
    async fn a_link_works_until_one_second_before_its_deadline_and_only_once() {
        let db = memory_db().await;
        let alice = user(&db, "alice").await;
        issued(&db, &alice.id, "h1", 0).await;
        issued(&db, &alice.id, "h2", 0).await;

        assert!(!consumed(&db, "h2", TTL).await, "expired at its deadline");
        assert!(consumed(&db, "h2", TTL - 1).await);
        assert!(!consumed(&db, "h2", TTL - 1).await, "used twice");
    }

    #[tokio::test]
    async fn a_new_link_retires_the_earlier_ones_of_its_purpose_only() {
        let db = memory_db().await;
        let alice = user(&db, "alice").await;
        issued(&db, &alice.id, "old", 0).await;
        let mut conn = db.pool.acquire().await.unwrap();
        let verify = LinkPurpose::VerifyEmail;
        replace(
            &mut conn,
            "v",
            &alice.id,
            verify,
            "a@example.com",
            "a@example.com",
            1,
            TTL,
        )
        .await
        .unwrap();
        drop(conn);
        assert!(find_live(&db, "old", LinkPurpose::PasswordReset, 2)
            .await
            .unwrap()
            .is_some());

        issued(&db, &alice.id, "new", 3).await;

        assert!(!consumed(&db, "old", 4).await);
        assert!(find_live(&db, "v", verify, 4).await.unwrap().is_some());
        // A link is unknown under any other purpose.
        assert!(find_live(&db, "new", verify, 4).await.unwrap().is_none());
        assert!(consumed(&db, "new", 4).await);
    }

    #[tokio::test]
    async fn prune_deletes_links_expired_or_used_before_the_cutoff() {
        let db = memory_db().await;
        let alice = user(&db, "alice").await;
        issued(&db, &alice.id, "used", 0).await;
        assert!(consumed(&db, "used", 10).await);
        issued(&db, &alice.id, "live", 20).await;

        assert_eq!(prune(&db, 11).await.unwrap(), 1);
        assert!(find_live(&db, "live", LinkPurpose::PasswordReset, 21)
            .await
            .unwrap()
            .is_some());
    }
}
