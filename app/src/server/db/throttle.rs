//! The `login_throttle` table. Each update is one atomic statement (an upsert with `RETURNING`),
//! so concurrent failures on several instances are all counted.

use super::Db;

/// Seconds a bucket stays locked, or `None`.
pub async fn locked_for(db: &Db, bucket: &str, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let locked_until: i64 =
        sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE bucket = $1")
            .bind(bucket)
            .fetch_optional(&db.pool)
            .await?
            .unwrap_or(0);
    Ok((locked_until > now).then_some(locked_until - now))
}

/// Counts one event in `bucket` (restarting the count when the window has passed) and returns
/// the count within the current window.
pub async fn count_event(
    db: &Db,
    bucket: &str,
    now: i64,
    window_secs: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO login_throttle (bucket, failures, window_start, locked_until)
         VALUES ($1, 1, $2, 0)
         ON CONFLICT (bucket) DO UPDATE SET
             failures = CASE WHEN login_throttle.window_start <= $3 THEN 1
                             ELSE login_throttle.failures + 1 END,
             window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2
                                 ELSE login_throttle.window_start END
         RETURNING failures",
    )
    .bind(bucket)
    .bind(now)
    .bind(now - window_secs)
    .fetch_one(&db.pool)
    .await
}

/// Locks `bucket` until `until` (never shortening an existing lock).
pub async fn lock_until(db: &Db, bucket: &str, until: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE login_throttle SET locked_until = $2 WHERE bucket = $1 AND locked_until < $2",
    )
    .bind(bucket)
    .bind(until)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Atomically takes the one attempt allowed while a bucket is over its limit: sets the lock to
/// `until` only if no lock is running. True if this caller got it; concurrent callers get false.
pub async fn claim(db: &Db, bucket: &str, now: i64, until: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE login_throttle SET locked_until = $3 WHERE bucket = $1 AND locked_until <= $2",
    )
    .bind(bucket)
    .bind(now)
    .bind(until)
    .execute(&db.pool)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Un-counts one event (never below zero).
pub async fn forgive(db: &Db, bucket: &str) -> Result<(), sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    forgive_on(&mut conn, bucket).await
}

async fn forgive_on(conn: &mut sqlx::AnyConnection, bucket: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE login_throttle SET failures = failures - 1 WHERE bucket = $1 AND failures > 0",
    )
    .bind(bucket)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets a bucket (after a successful login).
pub async fn clear(db: &Db, bucket: &str) -> Result<(), sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    clear_on(&mut conn, bucket).await
}

async fn clear_on(conn: &mut sqlx::AnyConnection, bucket: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE bucket = $1")
        .bind(bucket)
        .execute(conn)
        .await?;
    Ok(())
}

/// `forgive` one bucket and `clear` another in one transaction: one commit (an fsync on SQLite)
/// instead of two on every successful login.
pub async fn forgive_and_clear(
    db: &Db,
    forgiven: &str,
    cleared: Option<&str>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    forgive_on(&mut tx, forgiven).await?;
    if let Some(bucket) = cleared {
        clear_on(&mut tx, bucket).await?;
    }
    tx.commit().await
}
