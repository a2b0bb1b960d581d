//! `tokengate-bench`: what the benchmark (bench/run.py) needs from the product's own code, as
//! `tokengate bench <command>` subcommands of the server binary built with `--features bench`
//! (one build for the server and its tools: a separate binary would rebuild the Leptos stack
//! with another feature set, about a minute on two cores).
//!
//! - `seed-users`: N users in the server's database, all with one real Argon2id hash (hashing a
//!   million passwords would take hours; verifying one costs the same whichever user it is).
//! - `mint-tokens`: one access token per seeded user, signed by the server's own keys through
//!   the server's own `issue_access_token`, written as `Authorization:` header lines for wrk.
//! - `dpop-requests`: DPoP-bound tokens with one fresh proof per request (dpop.rs).
//! - `hash-cost`: the time of one password verification with the server's Argon2 parameters,
//!   the floor under any login.
//! - `verify`: the criterion benchmark of verification and signing per algorithm (verify.rs).
//!
//! Every setting (DATABASE_URL, TOKENGATE_*) is read exactly as the server reads it.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use app::server::config::Config;
use app::server::credentials::{Password, Username};
use app::server::db::Db;
use app::server::passwords::PasswordHasher;
use app::server::tokens::{
    issue_access_token, load_signing_keys, KeySource, SigningKeys, Subject, TokenPolicy,
};
use clap::Subcommand;
use sqlx::Row;

/// The one password every seeded user has.
const PASSWORD: &str = "bench-password-7f3k";
/// Seeded usernames: `bench<i>`.
const PREFIX: &str = "bench";
/// Rows per INSERT statement. Small on purpose: for every parameter it binds, sqlx-sqlite looks
/// its name up with `sqlite3_bind_parameter_name`, a scan of all the statement's parameters, so
/// the cost per row grows with the batch (1,000 rows: 60 µs a row, 76% of it in that scan).
const BATCH: usize = 100;

mod dpop;
mod verify;

#[derive(Subcommand)]
pub enum Command {
    /// Replace the seeded users with `users` fresh ones (`bench0`, `bench1`, ...).
    SeedUsers {
        #[arg(long)]
        users: usize,
    },
    /// Write one `Authorization: Bearer` line per seeded user (the first `users` of them).
    MintTokens {
        #[arg(long)]
        users: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the median and p99 of one password verification, in milliseconds, as JSON.
    HashCost {
        #[arg(long, default_value_t = 30)]
        samples: usize,
    },
    /// Write `requests` lines of two headers each (tab-separated): `Authorization: DPoP` with an
    /// access token bound to one client key, and a fresh `DPoP` proof for `GET url` (its own
    /// `jti`, `iat` now, `ath` of that token). Line `i` uses the token of seeded user
    /// `i % users`. Each line may be sent once: the server refuses a replayed proof.
    DpopRequests {
        #[arg(long)]
        users: usize,
        #[arg(long)]
        requests: usize,
        #[arg(long)]
        url: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Criterion benchmark of verification and signing per algorithm; with `--json FILE`, also
    /// the median of individually timed calls, per algorithm, in nanoseconds.
    Verify {
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

/// Runs one bench command with the server's configuration.
pub async fn run(config: &Config, command: Command) -> Result<(), String> {
    match command {
        Command::SeedUsers { users } => seed_users(config, users).await,
        Command::MintTokens { users, out } => mint_tokens(config, users, &out).await,
        Command::DpopRequests {
            users,
            requests,
            url,
            out,
        } => dpop::requests(config, users, requests, &url, &out).await,
        Command::HashCost { samples } => hash_cost(config, samples).await,
        Command::Verify { json } => verify::run(json.as_deref()),
    }
}

async fn open(config: &Config) -> Result<Db, String> {
    let db = Db::connect(config).await.map_err(|e| e.to_string())?;
    db.migrate().await.map_err(|e| e.to_string())?;
    Ok(db)
}

fn hasher(config: &Config) -> Result<PasswordHasher, String> {
    PasswordHasher::new(config.argon2_memory_kib, config.argon2_iterations)
        .map_err(|e| e.to_string())
}

async fn seed_users(config: &Config, count: usize) -> Result<(), String> {
    let started = Instant::now();
    let db = open(config).await?;
    let password = Password::for_login(PASSWORD.to_owned()).map_err(|e| e.message)?;
    let hash = hasher(config)?
        .hash(password)
        .await
        .map_err(|e| e.to_string())?;
    let now = app::server::now_unix();

    // Ids in ascending order: the primary-key index then grows at its end instead of taking a
    // random page per row (85 s -> a fraction of it for 1M users on SQLite). Still random v4 UUIDs.
    let mut ids: Vec<String> = (0..count)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    ids.sort_unstable();

    let mut tx = db.pool.begin().await.map_err(|e| e.to_string())?;
    if db.backend == app::server::db::Backend::Sqlite {
        // A 256 MiB page cache for this one bulk transaction (the default is 2 MiB).
        sqlx::query("PRAGMA cache_size = -262144")
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
    }
    sqlx::query("DELETE FROM users WHERE username_key LIKE 'bench%'")
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
    for start in (0..count).step_by(BATCH) {
        let end = (start + BATCH).min(count);
        let mut sql = String::from(
            "INSERT INTO users (id, username, username_key, password_hash, role, created_at) VALUES ",
        );
        for (row, _) in (start..end).enumerate() {
            let p = row * 6;
            if row > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6
            ));
        }
        let mut query = sqlx::query(&sql);
        for (i, id) in ids.iter().enumerate().take(end).skip(start) {
            let username = Username::parse(&format!("{PREFIX}{i}")).map_err(|e| e.message)?;
            query = query
                .bind(id.clone())
                .bind(username.as_str().to_owned())
                .bind(username.key().to_owned())
                .bind(hash.clone())
                .bind("user")
                .bind(now);
        }
        query.execute(&mut *tx).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    eprintln!(
        "seeded {count} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// What minting needs: the server's signing keys and token policy, and the first `count` seeded
/// users as (id, username).
struct Minting {
    keys: SigningKeys,
    policy: TokenPolicy,
    users: Vec<(String, String)>,
}

async fn minting(config: &Config, count: usize) -> Result<Minting, String> {
    let db = open(config).await?;
    let keys = load_signing_keys(&db, &KeySource::from_config(config))
        .await
        .map_err(|e| e.to_string())?;
    let policy = TokenPolicy {
        issuer: config.jwt_issuer.clone(),
        audience: config.jwt_audience.clone(),
        ttl_secs: config.access_token_ttl_secs,
        leeway_secs: config.jwt_leeway_secs,
    };
    let rows = sqlx::query(
        "SELECT id, username FROM users WHERE username_key LIKE 'bench%' ORDER BY created_at, id LIMIT $1",
    )
    .bind(i64::try_from(count).map_err(|e| e.to_string())?)
    .fetch_all(&db.pool)
    .await
    .map_err(|e| e.to_string())?;
    if rows.len() < count {
        return Err(format!(
            "{} seeded users, {count} asked: run seed-users first",
            rows.len()
        ));
    }
    let users = rows
        .iter()
        .take(count)
        .map(|row| Ok((row.try_get("id")?, row.try_get("username")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(|e| e.to_string())?;
    Ok(Minting {
        keys,
        policy,
        users,
    })
}

impl Minting {
    /// The access token of `user`, bound to `dpop_jkt` when given.
    fn token(
        &self,
        user: &(String, String),
        dpop_jkt: Option<&str>,
        now: i64,
    ) -> Result<String, String> {
        let (id, username) = user;
        let subject = Subject {
            user_id: id,
            username,
            role: "user",
            session_id: id,
            amr: "pwd",
            dpop_jkt,
        };
        issue_access_token(&self.keys, &self.policy, subject, now)
            .map(|(token, _)| token)
            .map_err(|e| e.to_string())
    }
}

/// Runs `line(i)` for `0..count` split over the cores (signing is CPU-bound) and writes the
/// lines to `out` in order.
fn write_lines(
    count: usize,
    out: &Path,
    line: impl Fn(usize) -> Result<String, String> + Sync,
) -> Result<(), String> {
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let chunk = count.div_ceil(threads).max(1);
    let parts: Vec<Result<String, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .step_by(chunk)
            .map(|start| {
                let line = &line;
                scope.spawn(move || {
                    let mut text = String::with_capacity(chunk * 400);
                    for i in start..(start + chunk).min(count) {
                        text.push_str(&line(i)?);
                        text.push('\n');
                    }
                    Ok(text)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("minting thread panicked"))
            .collect()
    });
    let mut file = BufWriter::new(std::fs::File::create(out).map_err(|e| e.to_string())?);
    for part in parts {
        file.write_all(part?.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    file.flush().map_err(|e| e.to_string())
}

async fn mint_tokens(config: &Config, count: usize, out: &Path) -> Result<(), String> {
    let started = Instant::now();
    let minting = minting(config, count).await?;
    let now = app::server::now_unix();
    write_lines(count, out, |i| {
        Ok(format!(
            "Authorization: Bearer {}",
            minting.token(&minting.users[i], None, now)?
        ))
    })?;
    eprintln!(
        "minted {count} tokens in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn hash_cost(config: &Config, samples: usize) -> Result<(), String> {
    let hasher = hasher(config)?;
    let password = || Password::for_login(PASSWORD.to_owned()).map_err(|e| e.message);
    let stored = hasher.hash(password()?).await.map_err(|e| e.to_string())?;
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples.max(1) {
        let started = Instant::now();
        let ok = hasher
            .verify(password()?, Some(stored.clone()))
            .await
            .map_err(|e| e.to_string())?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        if !ok {
            return Err("the password did not verify".into());
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{}",
        serde_json::json!({
            "samples": times.len(),
            "median_ms": at(0.5),
            "p99_ms": at(0.99),
            "memory_kib": config.argon2_memory_kib,
            "iterations": config.argon2_iterations,
        })
    );
    Ok(())
}
