//! A bounded cache of tokens that already passed full verification, so a client that sends the
//! same access token many times (a dashboard polling, a page firing several calls) pays for one
//! signature check (~45 µs for Ed25519) instead of one per request.
//!
//! Safety rules (RFC 8725 still holds for every token the first time it is seen):
//! - Keyed by SHA-256 of the whole token: a token that differs in any byte is a miss and goes
//!   through `verify_access_token`; the token itself is never kept in memory.
//! - Only successes are cached; a refused token is verified again every time.
//! - A hit is re-checked on every use: `exp` (with the same leeway as full verification) and the
//!   signing key (`kid`), which must still verify in the *current* key set, so a key retired or
//!   dropped by the reload task stops its cached tokens at once.
//! - Access tokens are not revocable before `exp` in this design (stateless by choice); calls that
//!   must see a logout or revocation at once use `require_live_session`, which asks the database
//!   whatever the cache holds.
//! - Bounded by entry count (S3-FIFO eviction from `quick_cache`), so memory stays flat however
//!   many users there are; capacity 0 turns the cache off.
//! - Admitted on its second sighting ([`SeenOnce`]): a token verified once and never sent again
//!   (a flood of distinct users, a one-off API call) costs one remembered fingerprint, not an
//!   entry allocated and then evicted unused. The fingerprint only decides admission; a hit is
//!   always a lookup by the full SHA-256.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};

use super::{
    verify_with_kid_batched, AccessClaims, SignatureBatcher, SigningKeys, TokenError, TokenPolicy,
};

struct Verified {
    claims: AccessClaims,
    kid: String,
}

pub struct VerifiedTokenCache {
    entries: Option<Entries>,
}

struct Entries {
    verified: Cache<[u8; 32], Arc<Verified>>,
    seen_once: SeenOnce,
}

impl VerifiedTokenCache {
    /// A cache holding at most `capacity` verified tokens (0: no cache).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: (capacity > 0).then(|| Entries {
                verified: Cache::new(capacity),
                seen_once: SeenOnce::new(capacity),
            }),
        }
    }

    /// Same answer as [`super::verify_access_token`], from the cache when this exact token was
    /// verified before and is still within its lifetime and its key; a miss has its signature
    /// checked by `batcher`.
    pub async fn verify(
        &self,
        keys: &SigningKeys,
        policy: &TokenPolicy,
        token: &str,
        now: i64,
        batcher: &SignatureBatcher,
    ) -> Result<AccessClaims, TokenError> {
        let Some(Entries {
            verified: entries,
            seen_once,
        }) = &self.entries
        else {
            return verify_with_kid_batched(keys, policy, token, batcher)
                .await
                .map(|(claims, _)| claims);
        };
        if token.len() > super::MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(hit) = entries.get(&digest) {
            if still_valid(&hit, keys, policy, now) {
                crate::server::metrics_names::token_verification("hit");
                return Ok(hit.claims.clone());
            }
            // Expired or its key is gone: forget it and let full verification say why.
            entries.remove(&digest);
        }
        crate::server::metrics_names::token_verification("miss");
        let (claims, kid) = verify_with_kid_batched(keys, policy, token, batcher).await?;
        if !seen_once.seen_before(&digest) {
            return Ok(claims);
        }
        entries.insert(
            digest,
            Arc::new(Verified {
                claims: claims.clone(),
                kid,
            }),
        );
        Ok(claims)
    }

    /// The claims of `token` if it is in the cache and still valid, without any other work: the
    /// hot path of a repeated token (no signature check, nothing awaited).
    pub fn cached(
        &self,
        keys: &SigningKeys,
        policy: &TokenPolicy,
        token: &str,
        now: i64,
    ) -> Option<AccessClaims> {
        let entries = &self.entries.as_ref()?.verified;
        if token.len() > super::MAX_TOKEN_BYTES {
            return None;
        }
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let hit = entries.get(&digest)?;
        still_valid(&hit, keys, policy, now).then(|| {
            crate::server::metrics_names::token_verification("hit");
            hit.claims.clone()
        })
    }

    /// Entries held now (tests, metrics).
    pub fn len(&self) -> usize {
        self.entries
            .as_ref()
            .map_or(0, |entries| entries.verified.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Fingerprints of tokens verified once and not (yet) cached: a fixed table of 64-bit tags, four
/// slots per cache entry, indexed by one part of the SHA-256 and holding another. A new sighting
/// overwrites its slot, so the table never grows, and under a flood of distinct tokens a real
/// client's second request may find its slot taken: it is then verified once more, never wrongly
/// answered.
struct SeenOnce {
    slots: Box<[AtomicU64]>,
}

impl SeenOnce {
    fn new(capacity: usize) -> Self {
        let len = capacity.saturating_mul(4).next_power_of_two();
        Self {
            slots: (0..len).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Whether `digest` was seen (and not yet admitted) before; remembers it if not.
    fn seen_before(&self, digest: &[u8; 32]) -> bool {
        let [index, tag] = [0, 8].map(|at| {
            let mut word = [0; 8];
            word.copy_from_slice(&digest[at..at + 8]);
            u64::from_le_bytes(word)
        });
        // The table's length is a power of two; 0 marks an empty slot, so a tag is never 0.
        let slot = &self.slots[(index as usize) & (self.slots.len() - 1)];
        let tag = tag | 1;
        if slot.load(Ordering::Relaxed) == tag {
            slot.store(0, Ordering::Relaxed);
            return true;
        }
        slot.store(tag, Ordering::Relaxed);
        false
    }
}

/// The checks of full verification that can change after it succeeded: time and key.
fn still_valid(entry: &Verified, keys: &SigningKeys, policy: &TokenPolicy, now: i64) -> bool {
    let leeway = policy.leeway_secs as i64;
    entry.claims.exp >= now - leeway && keys.verifier(&entry.kid).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::tokens::{issue_access_token, Subject};

    fn inline() -> SignatureBatcher {
        SignatureBatcher::inline()
    }

    fn policy() -> TokenPolicy {
        TokenPolicy {
            issuer: "tokengate".into(),
            audience: "tokengate".into(),
            ttl_secs: 900,
            leeway_secs: 5,
        }
    }

    fn token(keys: &SigningKeys, user: &str) -> (String, AccessClaims) {
        let subject = Subject {
            user_id: user,
            username: user,
            role: "user",
            session_id: "sid",
            amr: "pwd",
            dpop_jkt: None,
        };
        issue_access_token(keys, &policy(), subject, crate::server::now_unix()).unwrap()
    }

    /// Verifies `jwt` twice, so that it is admitted.
    async fn admit(cache: &VerifiedTokenCache, keys: &SigningKeys, jwt: &str, now: i64) {
        for _ in 0..2 {
            cache
                .verify(keys, &policy(), jwt, now, &inline())
                .await
                .unwrap();
        }
        assert!(cache.cached(keys, &policy(), jwt, now).is_some());
    }

    #[tokio::test]
    async fn a_repeated_token_is_answered_from_the_cache_with_the_same_claims() {
        let (keys, cache) = (SigningKeys::ephemeral(), VerifiedTokenCache::new(100));
        let (jwt, claims) = token(&keys, "alice");
        let now = crate::server::now_unix();
        for held in [0, 1, 1] {
            assert_eq!(
                cache.verify(&keys, &policy(), &jwt, now, &inline()).await,
                Ok(claims.clone())
            );
            assert_eq!(cache.len(), held, "admitted on its second sighting");
        }
        assert_eq!(cache.cached(&keys, &policy(), &jwt, now), Some(claims));
    }

    #[tokio::test]
    async fn tokens_seen_once_take_no_cache_entry() {
        let (keys, cache) = (SigningKeys::ephemeral(), VerifiedTokenCache::new(100));
        let now = crate::server::now_unix();
        for i in 0..50 {
            let (jwt, claims) = token(&keys, &format!("user{i}"));
            assert_eq!(
                cache.verify(&keys, &policy(), &jwt, now, &inline()).await,
                Ok(claims)
            );
        }
        assert!(cache.is_empty());
    }

    #[test]
    fn a_fingerprint_admits_once_and_a_colliding_slot_is_overwritten() {
        let seen = SeenOnce::new(1);
        let (a, mut b) = ([7u8; 32], [7u8; 32]);
        b[8] = 8; // same slot, another tag
        assert!(!seen.seen_before(&a));
        assert!(!seen.seen_before(&b), "a's slot now holds b");
        assert!(!seen.seen_before(&a));
        assert!(seen.seen_before(&a));
        assert!(!seen.seen_before(&a), "admitted: the slot is free again");
    }

    #[tokio::test]
    async fn cached_answers_only_for_a_token_verified_before_and_still_valid() {
        let (keys, cache) = (SigningKeys::ephemeral(), VerifiedTokenCache::new(100));
        let (jwt, claims) = token(&keys, "alice");
        let now = crate::server::now_unix();
        assert_eq!(cache.cached(&keys, &policy(), &jwt, now), None);
        admit(&cache, &keys, &jwt, now).await;
        assert_eq!(
            cache.cached(&keys, &policy(), &jwt, now),
            Some(claims.clone())
        );
        assert_eq!(cache.cached(&keys, &policy(), &jwt, claims.exp + 6), None);
        let reloaded = SigningKeys::ephemeral();
        assert_eq!(cache.cached(&reloaded, &policy(), &jwt, now), None);
    }

    #[tokio::test]
    async fn a_token_differing_by_one_byte_from_a_cached_one_is_refused() {
        let (keys, cache) = (SigningKeys::ephemeral(), VerifiedTokenCache::new(100));
        let (jwt, _) = token(&keys, "alice");
        let now = crate::server::now_unix();
        admit(&cache, &keys, &jwt, now).await;
        let mut tampered = jwt.into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(cache
            .verify(&keys, &policy(), &tampered, now, &inline())
            .await
            .is_err());
        assert_eq!(cache.len(), 1, "refusals are never cached");
    }

    #[test]
    fn a_cached_token_stops_at_its_exp_plus_leeway() {
        let keys = SigningKeys::ephemeral();
        let (_, claims) = token(&keys, "alice");
        let kid = keys.signer().kid.clone();
        let entry = Verified { claims, kid };
        let exp = entry.claims.exp;
        assert!(still_valid(&entry, &keys, &policy(), exp + 5));
        assert!(!still_valid(&entry, &keys, &policy(), exp + 6));
    }

    #[tokio::test]
    async fn a_cached_token_is_refused_once_its_key_is_no_longer_in_the_key_set() {
        let (old_keys, cache) = (SigningKeys::ephemeral(), VerifiedTokenCache::new(100));
        let (jwt, _) = token(&old_keys, "alice");
        let now = crate::server::now_unix();
        admit(&cache, &old_keys, &jwt, now).await;
        let reloaded = SigningKeys::ephemeral();
        assert_eq!(
            cache
                .verify(&reloaded, &policy(), &jwt, now, &inline())
                .await,
            Err(TokenError::UnknownKey)
        );
        assert!(cache.is_empty(), "the stale entry is dropped");
    }

    #[tokio::test]
    async fn the_cache_stays_within_its_capacity_and_zero_turns_it_off() {
        let keys = SigningKeys::ephemeral();
        let now = crate::server::now_unix();
        let bounded = VerifiedTokenCache::new(16);
        let off = VerifiedTokenCache::new(0);
        for i in 0..200 {
            let (jwt, claims) = token(&keys, &format!("user{i}"));
            for _ in 0..2 {
                assert_eq!(
                    bounded.verify(&keys, &policy(), &jwt, now, &inline()).await,
                    Ok(claims.clone())
                );
                assert_eq!(
                    off.verify(&keys, &policy(), &jwt, now, &inline()).await,
                    Ok(claims.clone())
                );
            }
        }
        assert!((1..=16).contains(&bounded.len()), "held {}", bounded.len());
        assert_eq!(off.len(), 0);
    }
}
