//! Benchmark baseline, never part of the product: `GET /api/me` guarded by server-side sessions
//! the way a Leptos user would otherwise build it, i.e. Leptos's `session_auth_axum` example
//! (`axum_session` + `axum_session_auth` + `axum_session_sqlx`, default configs).

mod api;
mod auth;
mod db;
mod seed;
mod serve;
#[cfg(test)]
mod tests;

use std::{net::SocketAddr, path::PathBuf, time::Instant};

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(about = "Server-side-session baseline for the Tokengate benchmarks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve GET /api/me (a Leptos server function) and GET /healthz.
    Serve {
        /// sqlite://path?mode=rwc or postgres://user@host:port/db
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value = "127.0.0.1:3100")]
        addr: SocketAddr,
    },
    /// Recreate the tables with N users `user1..userN`, each with one logged-in session, and
    /// write one `Cookie: session=<id>` line per session (line i belongs to `user{i}`).
    Seed {
        #[arg(long)]
        database_url: String,
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        sessions: u64,
        #[arg(long)]
        out: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // sqlx's slow-statement warning would print each 10,000-row seeding INSERT in full.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,sqlx::query=error"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    match Cli::parse().command {
        Command::Serve { database_url, addr } => serve::serve(&database_url, addr).await,
        Command::Seed {
            database_url,
            sessions,
            out,
        } => {
            let started = Instant::now();
            seed::seed(&database_url, usize::try_from(sessions)?, &out).await?;
            println!(
                "seeded {sessions} sessions in {:.2} s -> {}",
                started.elapsed().as_secs_f64(),
                out.display()
            );
            Ok(())
        }
    }
}
