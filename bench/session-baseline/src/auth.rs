//! The session + auth configuration, exactly as Leptos's `session_auth_axum` example sets it up:
//! library defaults everywhere, only the table name changed.

use async_trait::async_trait;
use axum_session::{SessionAnyPool, SessionConfig};
use axum_session_auth::{AuthConfig, Authentication};
use uuid::Uuid;

use crate::db::{Db, SESSIONS_TABLE};

/// The extractor/context value a server function reads the caller from.
pub type AuthSession = axum_session_auth::AuthSession<User, Uuid, SessionAnyPool, Db>;

/// Session-data key under which `AuthSession::login_user` stores the user id: the default of
/// `AuthConfig::session_id`, a private field, so it is repeated here for the seeder.
pub const USER_ID_KEY: &str = "user_auth_session_id";

/// `SessionConfig::default()` (cookie `session`, no signing key, persistent mode, 6 h lifespan,
/// sessions cached in memory for 60 min, DB write-back at most every 10 s per session).
pub fn session_config() -> SessionConfig {
    SessionConfig::default().with_table_name(SESSIONS_TABLE)
}

/// `AuthConfig::default()`: loaded users are cached in memory for 6 h.
pub fn auth_config() -> AuthConfig<Uuid> {
    AuthConfig::default()
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub role: String,
}

#[async_trait]
impl Authentication<User, Uuid, Db> for User {
    /// Called by the auth layer on a user-cache miss.
    async fn load_user(id: Uuid, db: Option<&Db>) -> anyhow::Result<User> {
        let Some(db) = db else {
            anyhow::bail!("the auth layer was built without a database pool");
        };
        let (username, role) = db
            .find_user(id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no user {id}"))?;
        Ok(User { id, username, role })
    }

    fn is_authenticated(&self) -> bool {
        true
    }

    fn is_active(&self) -> bool {
        true
    }

    fn is_anonymous(&self) -> bool {
        false
    }
}
