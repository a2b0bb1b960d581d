//! Sessions ("refresh families") and their rotating refresh tokens.
//!
//! - A refresh token is 256 bits from the OS CSPRNG, sent only in an `HttpOnly; SameSite=Strict`
//!   cookie scoped to `/api/auth`, and stored only as its SHA-256 hash.
//! - Each exchange retires the presented token and issues its successor, derived as
//!   `HMAC-SHA-256(chain_secret, parent)`: concurrent exchanges of one token (two tabs, a retried
//!   request whose answer was lost) all derive the same successor, so they produce exactly one
//!   rotation and nobody is logged out.
//! - Presenting a retired token within the grace window answers with the family's current token;
//!   after it, the presentation is treated as theft: the whole family is revoked.
//! - A family also ends when idle longer than `idle_secs` or older than `absolute_secs`, and
//!   when the user's credentials change (see `db::refresh_families`).
//! - Bounds: at most `max_per_user` live families per user (the least recently used one ends),
//!   `refresh_max_per_minute` refreshes per family, `max_grace_replays` answers per retired token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::Sha256;

use super::audit::{self, EventKind, NewEvent, Origin};
use super::config::Config;
use super::db::refresh_families::{self as store, Family, RevokeReason, StartError};
use super::db::users::UserRecord;
use super::db::Db;

/// The window of the per-session refresh limit.
pub const REFRESH_WINDOW_SECS: i64 = 60;
/// How far a retired token may be followed to the family's current one.
const MAX_CHAIN_WALK: usize = 16;

#[derive(Debug, Clone)]
pub struct SessionPolicy {
    pub idle_secs: i64,
    pub absolute_secs: i64,
    pub reuse_grace_secs: i64,
    pub max_grace_replays: i64,
    pub max_per_user: i64,
    pub refresh_max_per_minute: i64,
    pub retired_token_retention_secs: i64,
}

impl SessionPolicy {
    pub fn from_config(config: &Config) -> Self {
        Self {
            idle_secs: config.refresh_idle_secs as i64,
            absolute_secs: config.refresh_absolute_secs as i64,
            reuse_grace_secs: config.refresh_reuse_grace_secs as i64,
            max_grace_replays: config.refresh_max_grace_replays as i64,
            max_per_user: config.max_sessions_per_user as i64,
            refresh_max_per_minute: config.refresh_max_per_minute as i64,
            retired_token_retention_secs: config.retired_token_retention_secs as i64,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("unknown refresh token")]
    Unknown,
    #[error("session ended")]
    Ended,
    #[error("refresh token reused")]
    Reused,
    /// More than `refresh_max_per_minute` refreshes of this session in the current window.
    #[error("too many refreshes")]
    TooMany,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

use super::secret_token::{generate as random_token, hash as hash_token};

/// The successor of `parent`: HMAC-SHA-256 keyed with the family's secret.
fn successor(chain_secret: &str, parent: &str) -> String {
    use hmac::{Hmac, Mac};
    // HMAC accepts keys of any length: `new_from_slice` cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(chain_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(parent.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Starts a family for `user` as read when their password was checked; returns it with its
/// first refresh token. `CredentialsChanged` when the password changed (or the account went)
/// since that read: the login must then fail. With `login`, the same transaction records that
/// event (with the new session) and the account's last-login time: one commit for the whole
/// session start (each commit is an fsync on SQLite).
#[allow(clippy::too_many_arguments)]
pub async fn start(
    db: &Db,
    policy: &SessionPolicy,
    user: &UserRecord,
    user_agent: &str,
    amr: &str,
    dpop_jkt: Option<&str>,
    login: Option<(EventKind, &Origin)>,
    now: i64,
) -> Result<(Family, String), StartError> {
    let family = Family {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        chain_secret: random_token(),
        user_agent: user_agent.chars().take(256).collect(),
        created_at: now,
        last_used_at: now,
        expires_at: now + policy.absolute_secs,
        revoked_at: None,
        credentials_version: user.credentials_version,
        user_credentials_version: user.credentials_version,
        amr: amr.to_owned(),
        dpop_jkt: dpop_jkt.map(str::to_owned),
    };
    let token = random_token();
    let event = login
        .map(|(kind, origin)| NewEvent::by_user(kind, &user.id, origin, now).session(&family.id));
    let hash = hash_token(&token);
    store::create_family(db, &family, &hash, policy.max_per_user, event.as_ref()).await?;
    Ok((family, token))
}

/// True while a family may be used: not revoked, started under the user's current
/// credentials, not idle too long, not too old.
pub fn is_live(family: &Family, policy: &SessionPolicy, now: i64) -> bool {
    family.revoked_at.is_none()
        && family.credentials_version == family.user_credentials_version
        && family.expires_at > now
        && family.last_used_at + policy.idle_secs > now
}

/// Exchanges a presented refresh token; returns the family and the token to hold from now on.
/// Grace-window answers and reuse detections are recorded in the audit trail with `origin`.
pub async fn refresh(
    db: &Db,
    policy: &SessionPolicy,
    presented: &str,
    now: i64,
    origin: &Origin,
) -> Result<(Family, String), RefreshError> {
    if presented.is_empty() || presented.len() > 128 {
        return Err(RefreshError::Unknown);
    }
    let mut row = store::find_token(db, &hash_token(presented))
        .await?
        .ok_or(RefreshError::Unknown)?;
    // Counted per session before anything changes (a refused request must not retire the token
    // the client still holds): a client stuck in a refresh loop, or a thief with the cookie,
    // gets 429 instead of unbounded rows and signatures.
    let bucket = super::throttle::refresh_bucket(&row.family_id);
    let count = super::db::throttle::count_event(db, &bucket, now, REFRESH_WINDOW_SECS).await?;
    if count > policy.refresh_max_per_minute {
        tracing::warn!(family_id = %row.family_id, count, "refresh rate limit reached");
        return Err(RefreshError::TooMany);
    }
    let family = store::find_family(db, &row.family_id)
        .await?
        .ok_or(RefreshError::Unknown)?;
    if !is_live(&family, policy, now) {
        return Err(RefreshError::Ended);
    }
    let mut current = presented.to_owned();
    for _ in 0..MAX_CHAIN_WALK {
        match row.rotated_at {
            None => {
                // The current token: exchange it for its successor.
                let child = successor(&family.chain_secret, &current);
                let parent = hash_token(&current);
                if !store::rotate(db, &family.id, &parent, &hash_token(&child), now).await? {
                    return Err(RefreshError::Ended);
                }
                return Ok((family, child));
            }
            Some(at) if now - at <= policy.reuse_grace_secs => {
                // Retired moments ago (another tab, a lost answer): follow to its successor,
                // a bounded number of times per retired token.
                let retired = hash_token(&current);
                let Some(replays) =
                    store::record_grace_replay(db, &family.id, &retired, now).await?
                else {
                    return Err(RefreshError::Ended);
                };
                if replays > policy.max_grace_replays {
                    tracing::warn!(family_id = %family.id, replays, "retired refresh token replayed past the cap");
                    break;
                }
                tracing::info!(family_id = %family.id, replays, "retired refresh token answered inside the grace window");
                let event = NewEvent::by_user(EventKind::GraceReplay, &family.user_id, origin, now)
                    .session(&family.id);
                audit::record(&mut *db.pool.acquire().await?, &event).await?;
                super::metrics_names::refresh("grace_replay");
                current = successor(&family.chain_secret, &current);
                row = match store::find_token(db, &hash_token(&current)).await? {
                    Some(next) => next,
                    None => return Err(RefreshError::Unknown),
                };
                if row.rotated_at.is_none() {
                    return Ok((family, current));
                }
            }
            Some(_) => break,
        }
    }
    store::revoke_family(db, &family.id, RevokeReason::RefreshTokenReused, now).await?;
    tracing::warn!(family_id = %family.id, "retired refresh token presented again: session revoked");
    let event = NewEvent::by_user(EventKind::RefreshTokenReused, &family.user_id, origin, now)
        .session(&family.id)
        .actor(None);
    audit::record(&mut *db.pool.acquire().await?, &event).await?;
    Err(RefreshError::Reused)
}

#[cfg(test)]
mod tests {
    use super::*;

    use sha2::Digest;

    #[test]
    fn refresh_tokens_are_256_bit_and_stored_hashed() {
        let token = random_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert_ne!(random_token(), token);
        let hash = hash_token(&token);
        assert_eq!(hash.len(), 64);
        // The stored form is the SHA-256 of the token, hex-encoded.
        let expected: String = Sha256::digest(token.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hash, expected);
    }

    use crate::server::testkit::{memory_db, session_policy, user};

    /// A session started at time 0 and its first refresh token.
    async fn started() -> (Db, SessionPolicy, Family, String) {
        let db = memory_db().await;
        let policy = session_policy();
        let alice = user(&db, "alice").await;
        let (family, token) = start(&db, &policy, &alice, "test", "pwd", None, None, 0)
            .await
            .unwrap();
        (db, policy, family, token)
    }

    #[tokio::test]
    async fn a_login_start_records_its_event_and_last_login_with_the_session() {
        let db = memory_db().await;
        let alice = user(&db, "alice").await;
        let login = Some((EventKind::LoginSucceeded, &Origin::default()));
        let (family, _) = start(
            &db,
            &session_policy(),
            &alice,
            "test",
            "pwd",
            None,
            login,
            42,
        )
        .await
        .unwrap();
        let (kind, session, at): (String, Option<String>, i64) =
            sqlx::query_as("SELECT kind, session_id, at FROM security_events WHERE user_id = $1")
                .bind(&alice.id)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(
            (kind.as_str(), session.as_deref(), at),
            ("login_succeeded", Some(family.id.as_str()), 42)
        );
        let last: Option<i64> = sqlx::query_scalar("SELECT last_login_at FROM users WHERE id = $1")
            .bind(&alice.id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(last, Some(42));
    }

    #[tokio::test]
    async fn a_start_without_login_records_nothing_else() {
        let (db, _, family, _) = started().await;
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM security_events")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        let last: Option<i64> = sqlx::query_scalar("SELECT last_login_at FROM users WHERE id = $1")
            .bind(&family.user_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!((events, last), (0, None));
    }

    #[tokio::test]
    async fn a_retired_token_gets_the_current_one_up_to_the_end_of_the_grace_window() {
        let (db, policy, _, first) = started().await;
        let (_, second) = refresh(&db, &policy, &first, 50, &Origin::default())
            .await
            .unwrap();

        let (_, again) = refresh(
            &db,
            &policy,
            &first,
            50 + policy.reuse_grace_secs,
            &Origin::default(),
        )
        .await
        .unwrap();

        assert_eq!(again, second);
    }

    #[tokio::test]
    async fn a_retired_token_one_second_after_the_grace_window_revokes_the_session() {
        let (db, policy, _, first) = started().await;
        let (_, second) = refresh(&db, &policy, &first, 50, &Origin::default())
            .await
            .unwrap();
        let late = 50 + policy.reuse_grace_secs + 1;

        let reused = refresh(&db, &policy, &first, late, &Origin::default()).await;

        assert!(matches!(reused, Err(RefreshError::Reused)), "{reused:?}");
        let current = refresh(&db, &policy, &second, late, &Origin::default()).await;
        assert!(matches!(current, Err(RefreshError::Ended)), "{current:?}");
    }

    #[tokio::test]
    async fn grace_window_answers_are_capped_per_retired_token() {
        let (db, policy, _, first) = started().await;
        refresh(&db, &policy, &first, 50, &Origin::default())
            .await
            .unwrap();
        for _ in 0..policy.max_grace_replays {
            refresh(&db, &policy, &first, 51, &Origin::default())
                .await
                .unwrap();
        }

        let one_more = refresh(&db, &policy, &first, 51, &Origin::default()).await;

        assert!(
            matches!(one_more, Err(RefreshError::Reused)),
            "{one_more:?}"
        );
    }

    #[tokio::test]
    async fn a_session_idle_for_the_idle_timeout_has_ended() {
        let (db, policy, _, first) = started().await;
        let (_, second) = refresh(
            &db,
            &policy,
            &first,
            policy.idle_secs - 1,
            &Origin::default(),
        )
        .await
        .unwrap();

        // Idle counts from the last use: one second short of it still refreshes...
        let at = policy.idle_secs - 1 + policy.idle_secs - 1;
        let (_, third) = refresh(&db, &policy, &second, at, &Origin::default())
            .await
            .unwrap();
        // ...the full idle time does not.
        let idle = refresh(
            &db,
            &policy,
            &third,
            at + policy.idle_secs,
            &Origin::default(),
        )
        .await;

        assert!(matches!(idle, Err(RefreshError::Ended)), "{idle:?}");
    }

    #[tokio::test]
    async fn a_busy_session_ends_at_its_absolute_lifetime() {
        let (db, policy, family, mut token) = started().await;
        let mut now = 0;
        while now + 90 < family.expires_at {
            now += 90;
            token = refresh(&db, &policy, &token, now, &Origin::default())
                .await
                .unwrap()
                .1;
        }

        let ended = refresh(&db, &policy, &token, family.expires_at, &Origin::default()).await;

        assert!(matches!(ended, Err(RefreshError::Ended)), "{ended:?}");
    }

    #[test]
    fn successors_are_deterministic_per_family_secret() {
        assert_eq!(successor("s1", "t"), successor("s1", "t"));
        assert_ne!(successor("s1", "t"), successor("s2", "t"));
        assert_ne!(successor("s1", "t"), successor("s1", "u"));
    }
}
