//! Operator subcommands that work on the database directly, with its own authority: whoever can
//! run them can read the configuration and the database anyway, so they need no login. Shared
//! here: opening the database, reading a new password without it ever being an argument, and
//! printing either lines for people or one JSON document for scripts.

pub mod users;

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::{anyhow, bail, Context as _};
use app::server::config::Config;
use app::server::credentials::{Password, Username};
use app::server::db::Db;
use serde_json::Value;

/// Opens the database and applies pending migrations, as `migrate` does.
pub async fn open_db(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(config).await.context("database")?;
    db.migrate().await.context("database migrations")?;
    Ok(db)
}

/// A new password for `username`, checked against the policy: one line of standard input when
/// that is not a terminal (a pipe, for scripts), else typed twice without echo. Never an
/// argument or a variable, which other local users see in `ps` and which land in shell history.
pub async fn read_new_password(username: &Username) -> anyhow::Result<Password> {
    let name = username.as_str().to_owned();
    let raw = tokio::task::spawn_blocking(move || read_password_blocking(&name)).await??;
    Password::parse(raw, username).map_err(|e| anyhow!("weak password: {}", e.message))
}

fn read_password_blocking(username: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        let read = stdin
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        if read == 0 {
            bail!("no password on standard input");
        }
        // Only the line ending: spaces are part of a password.
        if line.ends_with('\n') {
            line.pop();
            if line.ends_with('\r') {
                line.pop();
            }
        }
        return Ok(line);
    }
    let first = rpassword::prompt_password(format!("New password for {username}: "))
        .context("cannot read the password")?;
    let again = rpassword::prompt_password("The same password again: ")
        .context("cannot read the password")?;
    if first != again {
        bail!("the two passwords differ");
    }
    Ok(first)
}

/// What a command prints: lines for people, or (`--json`) one JSON document on stdout.
pub struct Output {
    pub human: String,
    pub json: Value,
}

impl Output {
    pub fn print(&self, json: bool) {
        if json {
            println!("{}", self.json);
        } else {
            println!("{}", self.human.trim_end());
        }
    }
}

/// `2026-12-02 09:30:00 UTC` for Unix seconds (the database's clock).
pub fn format_time(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02} UTC")
}

/// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::format_time;

    #[test]
    fn times_are_shown_as_utc_dates() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_time(1_796_203_845), "2026-12-02 09:30:45 UTC");
    }
}
