//! The `users` table.

use sqlx::Row;

use super::Db;
use crate::server::credentials::Username;

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: String,
    pub username: String,
    pub role: String,
    pub password_hash: String,
    pub created_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("username taken")]
    UsernameTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<UserRecord, sqlx::Error> {
    Ok(UserRecord {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: row.try_get("role")?,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Inserts a user. The unique index on `username_key` decides races: exactly one concurrent
/// insert of the same (case-insensitive) name wins, the others get `UsernameTaken`.
pub async fn create(
    db: &Db,
    id: &str,
    username: &Username,
    password_hash: &str,
    now: i64,
) -> Result<UserRecord, CreateUserError> {
    let result = sqlx::query(
        "INSERT INTO users (id, username, username_key, password_hash, role, created_at)
         VALUES ($1, $2, $3, $4, 'user', $5)",
    )
    .bind(id)
    .bind(username.as_str())
    .bind(username.key())
    .bind(password_hash)
    .bind(now)
    .execute(&db.pool)
    .await;
    match result {
        Ok(_) => Ok(UserRecord {
            id: id.to_owned(),
            username: username.as_str().to_owned(),
            role: "user".to_owned(),
            password_hash: password_hash.to_owned(),
            created_at: now,
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
    sqlx::query(
        "SELECT id, username, role, password_hash, created_at FROM users WHERE username_key = $1",
    )
    .bind(username.key())
    .fetch_optional(&db.pool)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query("SELECT id, username, role, password_hash, created_at FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn update_password_hash(
    db: &Db,
    id: &str,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(password_hash)
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
