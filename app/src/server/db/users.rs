//! The `users` table.

use super::refresh_families::{revoke_user_families_on, RevokeReason};
use super::Db;
use crate::server::credentials::Username;
use crate::server::email_address::EmailAddress;

/// The role every new account gets.
pub const DEFAULT_ROLE: &str = "user";
/// The role of administrators (see `server::admin`).
pub const ADMIN_ROLE: &str = "admin";
/// The `password_hash` of an account without a password (created with a passkey): no PHC
/// string, so no password ever verifies against it (as `!` in `/etc/shadow`).
pub const NO_PASSWORD: &str = "!";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub role: String,
    pub password_hash: String,
    pub created_at: i64,
    /// Bumped by every change that ends sessions; a session started under an older version is
    /// dead (see `db::refresh_families`).
    pub credentials_version: i64,
    /// The account's address (see `email_address`), verified or not.
    pub email: Option<String>,
    pub email_verified_at: Option<i64>,
    /// Set while an administrator has disabled the account.
    pub disabled_at: Option<i64>,
    pub last_login_at: Option<i64>,
}

impl UserRecord {
    /// The address, if it has been verified (only then does it receive links and notices, and
    /// may it be used to log in).
    pub fn verified_email(&self) -> Option<&str> {
        self.email_verified_at.and(self.email.as_deref())
    }

    /// False for a passkey-only account.
    pub fn has_password(&self) -> bool {
        self.password_hash != NO_PASSWORD
    }

    /// The stored hash to verify a password against; `None` (the dummy hash's equal work, and
    /// never a match) for an account without a password.
    pub fn password_to_verify(&self) -> Option<String> {
        self.has_password().then(|| self.password_hash.clone())
    }
}

const USER_COLUMNS: &str = "id, username, role, password_hash, created_at, credentials_version, \
     email, email_verified_at, disabled_at, last_login_at";

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("username taken")]
    UsernameTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Inserts a user, with an unverified address if given. The unique index on `username_key`
/// decides races: exactly one concurrent insert of the same (case-insensitive) name wins, the
/// others get `UsernameTaken`. Addresses are unique only once verified, so this never fails on
/// one (and so never reveals that an address is in use).
pub async fn create<'c, E>(
    executor: E,
    id: &str,
    username: &Username,
    password_hash: &str,
    email: Option<&EmailAddress>,
    now: i64,
) -> Result<UserRecord, CreateUserError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let result = sqlx::query(
        "INSERT INTO users (id, username, username_key, password_hash, role, created_at, email, email_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(username.as_str())
    .bind(username.key())
    .bind(password_hash)
    .bind(DEFAULT_ROLE)
    .bind(now)
    .bind(email.map(EmailAddress::as_str))
    .bind(email.map(EmailAddress::key))
    .execute(executor)
    .await;
    match result {
        Ok(_) => Ok(UserRecord {
            id: id.to_owned(),
            username: username.as_str().to_owned(),
            role: DEFAULT_ROLE.to_owned(),
            password_hash: password_hash.to_owned(),
            created_at: now,
            credentials_version: 0,
            email: email.map(|e| e.as_str().to_owned()),
            email_verified_at: None,
            disabled_at: None,
            last_login_at: None,
        }),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(CreateUserError::UsernameTaken)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn find_by_username(
    db: &Db,
    username: &Username,
) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE username_key = $1"
    ))
    .bind(username.key())
    .fetch_optional(&db.pool)
    .await
}

/// The account whose verified address is `email` (unverified claims never match).
pub async fn find_by_verified_email(
    db: &Db,
    email: &EmailAddress,
) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email_key = $1 AND email_verified_at IS NOT NULL"
    ))
    .bind(email.key())
    .fetch_optional(&db.pool)
    .await
}

pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// A change that must end sessions, in one transaction: the credentials version is bumped
/// (sessions started under the old one, even by a login still in flight, are dead), the password
/// hash replaced if given, the session `keep` carried over to the new version, and every other
/// session revoked. Returns how many were revoked.
pub async fn change_credentials(
    db: &Db,
    user_id: &str,
    new_password_hash: Option<&str>,
    keep: Option<&str>,
    reason: RevokeReason,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let ended =
        change_credentials_in(&mut tx, user_id, new_password_hash, keep, reason, now).await?;
    tx.commit().await?;
    Ok(ended)
}

/// `change_credentials` inside the caller's transaction (which may queue a notice with it).
pub async fn change_credentials_in(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    new_password_hash: Option<&str>,
    keep: Option<&str>,
    reason: RevokeReason,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let version: i64 = sqlx::query_scalar(
        "UPDATE users SET credentials_version = credentials_version + 1,
                password_hash = COALESCE($2, password_hash)
          WHERE id = $1 RETURNING credentials_version",
    )
    .bind(user_id)
    .bind(new_password_hash)
    .fetch_one(&mut *conn)
    .await?;
    if let Some(keep) = keep {
        sqlx::query(
            "UPDATE refresh_families SET credentials_version = $2
              WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(keep)
        .bind(version)
        .execute(&mut *conn)
        .await?;
    }
    revoke_user_families_on(conn, user_id, keep, reason, now).await
}

/// Replaces a hash with one of the same password made with the current Argon2 parameters,
/// unless the password changed meanwhile (the stored hash is no longer `old_hash`).
pub async fn upgrade_password_hash(
    db: &Db,
    id: &str,
    old_hash: &str,
    new_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2")
        .bind(id)
        .bind(old_hash)
        .bind(new_hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Deletes a user; their sessions and refresh tokens go with them (ON DELETE CASCADE).
pub async fn delete(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    // Explicit deletes too, so the result does not depend on SQLite's foreign_keys pragma.
    sqlx::query(
        "DELETE FROM refresh_tokens WHERE family_id IN (SELECT id FROM refresh_families WHERE user_id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM refresh_families WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

#[derive(Debug, thiserror::Error)]
pub enum SetEmailError {
    /// Another account verified this address first.
    #[error("address already verified by another account")]
    Taken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Makes `email` the verified address of `user_id` (inside the caller's transaction).
pub async fn set_verified_email(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    email: &str,
    email_key: &str,
    now: i64,
) -> Result<(), SetEmailError> {
    let result = sqlx::query(
        "UPDATE users SET email = $2, email_key = $3, email_verified_at = $4 WHERE id = $1",
    )
    .bind(user_id)
    .bind(email)
    .bind(email_key)
    .bind(now)
    .execute(conn)
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(SetEmailError::Taken),
        Err(e) => Err(e.into()),
    }
}

/// Records a successful login, on the caller's transaction (the session it started).
pub async fn touch_last_login_in(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Disables (`Some(now)`) or enables (`None`) an account; true when it changed.
pub async fn set_disabled(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    disabled_at: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE users SET disabled_at = $2
          WHERE id = $1 AND ((disabled_at IS NULL) <> ($2 IS NULL))",
    )
    .bind(id)
    .bind(disabled_at)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Sets the role; true when it changed.
pub async fn set_role(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    role: &str,
) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query("UPDATE users SET role = $2 WHERE id = $1 AND role <> $2")
        .bind(id)
        .bind(role)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(changed == 1)
}

/// One page of accounts whose username or address contains `query` (case-insensitive), by
/// username, and how many match in all.
pub async fn search(
    db: &Db,
    query: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UserRecord>, i64), sqlx::Error> {
    let pattern = format!(
        "%{}%",
        query
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let filter = "username_key LIKE $1 ESCAPE '\\' OR COALESCE(email_key, '') LIKE $1 ESCAPE '\\'";
    let users = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE {filter} ORDER BY username_key LIMIT $2 OFFSET $3"
    ))
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    let total = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM users WHERE {filter}"))
        .bind(&pattern)
        .fetch_one(&db.pool)
        .await?;
    Ok((users, total))
}
