//! Argon2id password hashing, always off the async executor.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::credentials::Password;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("invalid argon2 parameters: {0}")]
    Params(argon2::Error),
    #[error("password hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
    #[error("hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("hashing stopped")]
    Closed,
}

/// Hashes and verifies passwords with fixed Argon2id parameters. Also holds a hash of a random
/// password, verified against when a username is unknown so that both paths cost the same.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    dummy_hash: String,
    /// At most one hash per CPU at a time: a burst of logins queues here instead of slowing
    /// every hash (and every request holding a database connection) down together.
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32) -> Result<Self, PasswordError> {
        let params = Params::new(memory_kib, iterations, 1, None).map_err(PasswordError::Params)?;
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        let mut hasher = Self {
            params,
            dummy_hash: String::new(),
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(cpus)),
        };
        let random = SaltString::generate(&mut OsRng);
        hasher.dummy_hash = hasher.hash_blocking(random.as_str())?;
        Ok(hasher)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    fn hash_blocking(&self, password: &str) -> Result<String, PasswordError> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(PasswordError::Hash)
    }

    fn verify_blocking(&self, password: &str, phc: &str) -> bool {
        match PasswordHash::new(phc) {
            Ok(parsed) => self
                .argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
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
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Closed)?;
        let this = self.clone();
        let started = std::time::Instant::now();
        let hashed =
            tokio::task::spawn_blocking(move || this.hash_blocking(password.expose())).await?;
        super::metrics_names::password_hash_seconds(started.elapsed().as_secs_f64());
        hashed
    }

    /// Verifies a password against a stored hash, or against the dummy hash when the user is
    /// unknown (`None`), which always fails but costs the same time.
    pub async fn verify(
        &self,
        password: Password,
        stored: Option<String>,
    ) -> Result<bool, PasswordError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Closed)?;
        let this = self.clone();
        let started = std::time::Instant::now();
        let verified = tokio::task::spawn_blocking(move || match stored {
            Some(phc) => this.verify_blocking(password.expose(), &phc),
            None => {
                let _ = this.verify_blocking(password.expose(), &this.dummy_hash);
                false
            }
        })
        .await
        .map_err(PasswordError::from);
        super::metrics_names::password_verify_seconds(started.elapsed().as_secs_f64());
        verified
    }
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
}
