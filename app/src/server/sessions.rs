//! Sessions ("refresh families") and their rotating refresh tokens.
//!
//! - A refresh token is 256 bits from the OS CSPRNG, sent only in an `HttpOnly; SameSite=Strict`
//!   cookie scoped to `/api/auth`, and stored only as its SHA-256 hash.
//! - Each exchange retires the presented token and issues its successor, derived as
//!   `SHA-256(chain_secret, parent)`: concurrent exchanges of one token (two tabs, a retried
//!   request whose answer was lost) all derive the same successor, so they produce exactly one
//!   rotation and nobody is logged out.
//! - Presenting a retired token within the grace window answers with the family's current token;
//!   after it, the presentation is treated as theft: the whole family is revoked.
//! - A family also ends when idle longer than `idle_secs` or older than `absolute_secs`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use super::config::Config;
use super::db::sessions::{self as store, Family};
use super::db::Db;

pub const REFRESH_COOKIE: &str = "tg_refresh";
pub const REFRESH_COOKIE_PATH: &str = "/api/auth";
/// How far a retired token may be followed to the family's current one.
const MAX_CHAIN_WALK: usize = 16;

#[derive(Debug, Clone)]
pub struct SessionPolicy {
    pub idle_secs: i64,
    pub absolute_secs: i64,
    pub reuse_grace_secs: i64,
}

impl SessionPolicy {
    pub fn from_config(config: &Config) -> Self {
        Self {
            idle_secs: config.refresh_idle_secs as i64,
            absolute_secs: config.refresh_absolute_secs as i64,
            reuse_grace_secs: config.refresh_reuse_grace_secs as i64,
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
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a refresh token.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn successor(chain_secret: &str, parent: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(chain_secret.as_bytes());
    hasher.update([0u8]);
    hasher.update(parent.as_bytes());
    URL_SAFE_NO_PAD.encode(hasher.finalize())
}

/// Starts a family for `user_id`; returns it with its first refresh token.
pub async fn start(
    db: &Db,
    policy: &SessionPolicy,
    user_id: &str,
    user_agent: &str,
    now: i64,
) -> Result<(Family, String), sqlx::Error> {
    let family = Family {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user_id.to_owned(),
        chain_secret: random_token(),
        user_agent: user_agent.chars().take(256).collect(),
        created_at: now,
        last_used_at: now,
        expires_at: now + policy.absolute_secs,
        revoked_at: None,
    };
    let token = random_token();
    store::create_family(db, &family, &hash_token(&token)).await?;
    Ok((family, token))
}

/// True while a family may be used: not revoked, not idle too long, not too old.
pub fn is_live(family: &Family, policy: &SessionPolicy, now: i64) -> bool {
    family.revoked_at.is_none()
        && family.expires_at > now
        && family.last_used_at + policy.idle_secs > now
}

/// Exchanges a presented refresh token; returns the family and the token to hold from now on.
pub async fn refresh(
    db: &Db,
    policy: &SessionPolicy,
    presented: &str,
    now: i64,
) -> Result<(Family, String), RefreshError> {
    if presented.is_empty() || presented.len() > 128 {
        return Err(RefreshError::Unknown);
    }
    let mut row = store::find_token(db, &hash_token(presented))
        .await?
        .ok_or(RefreshError::Unknown)?;
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
                store::rotate(
                    db,
                    &family.id,
                    &hash_token(&current),
                    &hash_token(&child),
                    now,
                )
                .await?;
                return Ok((family, child));
            }
            Some(at) if now - at <= policy.reuse_grace_secs => {
                // Retired moments ago (another tab, a lost answer): follow to its successor.
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
    store::revoke_family(db, &family.id, "refresh_token_reused", now).await?;
    tracing::warn!(family_id = %family.id, "retired refresh token presented again: session revoked");
    Err(RefreshError::Reused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_256_bit_and_stored_hashed() {
        let token = random_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert_ne!(random_token(), token);
        let hash = hash_token(&token);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&token));
    }

    #[test]
    fn successors_are_deterministic_per_family_secret() {
        assert_eq!(successor("s1", "t"), successor("s1", "t"));
        assert_ne!(successor("s1", "t"), successor("s2", "t"));
        assert_ne!(successor("s1", "t"), successor("s1", "u"));
    }
}
