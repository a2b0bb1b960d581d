//! For unit tests of the domain functions that take `now`: a migrated in-memory SQLite database
//! and a user in it, so that tests move the clock instead of sleeping through a real process.

use sqlx::any::{install_default_drivers, AnyPoolOptions};

use super::credentials::Username;
use super::db::users::{self, UserRecord};
use super::db::{Backend, Db};
use super::refresh_rotation::SessionPolicy;
use super::throttle::ThrottlePolicy;

/// A fresh, migrated database that lives as long as its one connection.
pub async fn memory_db() -> Db {
    install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect("sqlite::memory:")
        .await
        .expect("in-memory SQLite");
    let db = Db::from_pool(pool, Backend::Sqlite);
    db.migrate().await.expect("migrations apply");
    db
}

/// A user named `name`, created at time 0.
pub async fn user(db: &Db, name: &str) -> UserRecord {
    let username = Username::parse(name).expect("a valid username");
    let id = uuid::Uuid::new_v4().to_string();
    users::create(&db.pool, &id, &username, "not-a-real-hash", None, 0)
        .await
        .expect("user created")
}

/// Round numbers: 100 s idle, 1000 s absolute, 10 s grace, generous bounds.
pub fn session_policy() -> SessionPolicy {
    SessionPolicy {
        idle_secs: 100,
        absolute_secs: 1_000,
        reuse_grace_secs: 10,
        max_grace_replays: 3,
        max_per_user: 50,
        refresh_max_per_minute: 60,
        retired_token_retention_secs: 86_400,
    }
}

/// 3 attempts per 900 s window, 30 s first lock.
pub fn throttle_policy() -> ThrottlePolicy {
    ThrottlePolicy {
        login_max_failures: 3,
        ip_max_failures: 50,
        signup_max_per_ip: 20,
        window_secs: 900,
        lockout_secs: 30,
    }
}
