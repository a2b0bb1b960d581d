//! Argon2id password hashing, always off the async executor, on a fixed set of threads that
//! reuse their memory (see `workers`).

mod workers;

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::credentials::Password;
pub use workers::Stopped;
use workers::{Memory, Workers};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("invalid argon2 parameters: {0}")]
    Params(argon2::Error),
    #[error("password hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
    #[error("could not start the hashing threads: {0}")]
    Start(std::io::Error),
    #[error(transparent)]
    Stopped(#[from] Stopped),
}

/// Hashes and verifies passwords with fixed Argon2id parameters. Also holds a hash of a random
/// password, verified against when a username is unknown so that both paths cost the same.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    dummy_hash: Arc<str>,
    /// One thread per CPU: a burst of logins queues here instead of slowing every hash (and
    /// every request holding a database connection) down together.
    workers: Arc<Workers>,
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32) -> Result<Self, PasswordError> {
        let params = Params::new(memory_kib, iterations, 1, None).map_err(PasswordError::Params)?;
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        let workers = Workers::start(cpus, params.block_count()).map_err(PasswordError::Start)?;
        // Once, on the calling thread, with memory freed straight after.
        let mut memory = Memory::new(params.block_count(), Default::default());
        let random = SaltString::generate(&mut OsRng);
        let dummy_hash = hash_with(&params, &mut memory, random.as_str())?.into();
        Ok(Self {
            params,
            dummy_hash,
            workers: Arc::new(workers),
        })
    }

    /// True when `phc` is not Argon2id v19 with exactly the configured parameters.
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return true;
        };
        let Ok(stored) = Params::try_from(&parsed) else {
            return true;
        };
        parsed.algorithm.as_str() != "argon2id"
            || parsed.version != Some(Version::V0x13 as u32)
            || stored.m_cost() != self.params.m_cost()
            || stored.t_cost() != self.params.t_cost()
            || stored.p_cost() != self.params.p_cost()
    }

    /// Hashes a new password into a PHC string.
    pub async fn hash(&self, password: Password) -> Result<String, PasswordError> {
        let started = std::time::Instant::now();
        let params = self.params.clone();
        let hashed = self
            .workers
            .run(move |memory| hash_with(&params, memory, password.expose()))
            .await;
        super::metrics_names::password_hash_seconds(started.elapsed().as_secs_f64());
        hashed?
    }

    /// Verifies a password against a stored hash, or against the dummy hash when the user is
    /// unknown (`None`), which always fails but costs the same time.
    pub async fn verify(
        &self,
        password: Password,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let started = std::time::Instant::now();
        let dummy = Arc::clone(&self.dummy_hash);
        let verified = self
            .workers
            .run(move |memory| match stored {
                Some(phc) => verify_with(memory, password.expose(), &phc),
                None => {
                    let _ = verify_with(memory, password.expose(), &dummy);
                    false
                }
            })
            .await;
        super::metrics_names::password_verify_seconds(started.elapsed().as_secs_f64());
        Ok(verified?)
    }
}

/// Argon2id of `password` with a fresh salt, as a PHC string: what `argon2`'s own
/// `PasswordHasher::hash_password` produces, computed in the given memory.
fn hash_with(
    params: &Params,
    memory: &mut Memory,
    password: &str,
) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output = compute(&argon2, params, memory, password, salt.as_salt())?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(PasswordError::Hash)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `phc`, with the algorithm, version and parameters
/// stored in it: `argon2`'s own `verify_password`, computed in the given memory.
fn verify_with(memory: &mut Memory, password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let argon2 = Argon2::new(algorithm, version, params.clone());
    // `Output`'s equality is constant-time.
    compute(&argon2, &params, memory, password, salt).is_ok_and(|computed| computed == expected)
}

fn compute(
    argon2: &Argon2<'_>,
    params: &Params,
    memory: &mut Memory,
    password: &str,
    salt: Salt<'_>,
) -> Result<Output, PasswordError> {
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .map_err(PasswordError::Hash)?;
    let length = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    memory.with_blocks(params.block_count(), |blocks| {
        Output::init_with(length, |out| {
            Ok(argon2.hash_password_into_with_memory(
                password.as_bytes(),
                salt_bytes,
                out,
                blocks,
            )?)
        })
        .map_err(PasswordError::Hash)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::credentials::Username;

    fn pw(s: &str) -> Password {
        Password::parse(s.into(), &Username::parse("someone").unwrap()).unwrap()
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hasher = PasswordHasher::new(19_456, 2).unwrap();
        let phc = hasher.hash(pw("correct horse battery")).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(hasher
            .verify(pw("correct horse battery"), Some(phc.clone()))
            .await
            .unwrap());
        assert!(!hasher
            .verify(pw("correct horse batterY"), Some(phc))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn hashes_with_other_parameters_need_a_rehash() {
        let old = PasswordHasher::new(8_192, 1).unwrap();
        let current = PasswordHasher::new(19_456, 2).unwrap();
        let old_hash = old.hash(pw("correct horse battery")).await.unwrap();
        let new_hash = current.hash(pw("correct horse battery")).await.unwrap();
        assert!(current.needs_rehash(&old_hash));
        assert!(!current.needs_rehash(&new_hash));
        assert!(current.needs_rehash("not a phc string"));
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        let hasher = PasswordHasher::new(8_192, 1).unwrap();
        assert!(!hasher.verify(pw("whatever123"), None).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_match_the_argon2_crates_own_hashing_and_verifying() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = PasswordHasher::new(8_192, 1).unwrap();
        let stock = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8_192, 1, 1, None).unwrap(),
        );
        let ours = hasher.hash(pw("correct horse battery")).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(stock
            .verify_password(b"correct horse battery", &parsed)
            .is_ok());
        assert!(stock
            .verify_password(b"correct horse batterY", &parsed)
            .is_err());
        // The same salt through the crate's own hasher gives the same string.
        let again = stock
            .hash_password(b"correct horse battery", parsed.salt.unwrap())
            .unwrap();
        assert_eq!(again.to_string(), ours);

        let theirs = stock
            .hash_password(b"another password", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(hasher
            .verify(pw("another password"), Some(theirs.clone()))
            .await
            .unwrap());
        assert!(!hasher
            .verify(pw("another passworD"), Some(theirs))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn each_thread_allocates_its_memory_once_however_many_hashes_it_runs() {
        let hasher = PasswordHasher::new(8_192, 1).unwrap();
        let phc = hasher.hash(pw("correct horse battery")).await.unwrap();
        let rounds = (0..24).map(|i| {
            let (hasher, phc) = (hasher.clone(), phc.clone());
            tokio::spawn(async move {
                let guess = if i % 2 == 0 {
                    "correct horse battery"
                } else {
                    "wrong horse battery"
                };
                hasher.verify(pw(guess), Some(phc)).await.unwrap() == (i % 2 == 0)
            })
        });
        for round in rounds {
            assert!(round.await.unwrap());
        }
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        let allocations = hasher.workers.allocations();
        assert!(
            (1..=cpus).contains(&allocations),
            "{allocations} buffers for {cpus} threads"
        );
    }

    #[tokio::test]
    async fn a_hash_stored_with_more_memory_verifies_in_memory_of_its_own() {
        let bigger = PasswordHasher::new(16_384, 1).unwrap();
        let current = PasswordHasher::new(8_192, 1).unwrap();
        let old_hash = bigger.hash(pw("correct horse battery")).await.unwrap();
        assert!(current
            .verify(pw("correct horse battery"), Some(old_hash.clone()))
            .await
            .unwrap());
        assert!(current
            .verify(pw("correct horse battery"), Some(old_hash))
            .await
            .unwrap());
        // Two temporary buffers, one per call; the thread's own buffer never grew to that size.
        assert_eq!(current.workers.allocations(), 2);
    }

    #[tokio::test]
    async fn malformed_stored_hashes_never_verify() {
        let hasher = PasswordHasher::new(8_192, 1).unwrap();
        for phc in [
            "",
            "plain text",
            "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ",
            "$argon2id$v=99$m=8192,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$pbkdf2$i=1000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ] {
            assert!(
                !hasher
                    .verify(pw("correct horse battery"), Some(phc.into()))
                    .await
                    .unwrap(),
                "{phc}"
            );
        }
    }
}
