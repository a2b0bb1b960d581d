//! `tokengate`: serves the app (default), applies migrations, manages signing keys and accounts.

mod api_boundary;
mod assets;
mod cli;
mod listener;
mod metrics;
mod request_target;
mod routes;
mod telemetry;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use app::server::config::Config;
use app::server::db::Db;
use app::server::prune;
use app::server::public_url::PublicUrl;
use app::server::state::AppState;
use app::server::tokens::{load_signing_keys, rotate_signing_key, KeySource};
use clap::{Parser, Subcommand};
use leptos::config::get_configuration;

#[derive(Parser)]
#[command(
    name = "tokengate",
    version,
    about = "Token (JWT) authentication, end to end"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app and the JSON API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage JWT signing keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Manage accounts: list, show, create, disable, reset a second factor or a password, ...
    Users {
        #[command(subcommand)]
        action: cli::users::UsersAction,
        /// Print one JSON document instead of lines for people.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Benchmark tools (bench/run.py): seed users, mint tokens, time hashing and verification.
    #[cfg(feature = "bench")]
    Bench {
        #[command(subcommand)]
        command: tokengate_bench::Command,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// Generate a new signing key: published at once, signing after TOKENGATE_KEY_PUBLISH_DELAY_SECS
    /// (running servers reload it), older keys verify until their tokens have expired.
    Rotate,
}

#[tokio::main]
async fn main() -> ExitCode {
    // `./.env` only: `dotenvy::dotenv()` also searches every parent directory, so a `.env` left
    // in one (a home directory, `/tmp`) could set DATABASE_URL or a key for us. A missing file
    // is normal; a malformed one is reported by clap when a value is wrong.
    let _ = dotenvy::from_path(".env");
    let cli = Cli::parse();
    telemetry::init();

    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::Migrate => migrate(&cli.config).await,
        Command::Keys {
            action: KeysAction::Rotate,
        } => rotate_key(&cli.config).await,
        Command::Users { action, json } => cli::users::run(&cli.config, action, json).await,
        #[cfg(feature = "bench")]
        Command::Bench { command } => tokengate_bench::run(&cli.config, command)
            .await
            .map_err(anyhow::Error::msg),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}`: each context with its cause, on one line.
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let mut leptos_options = get_configuration(None)
        .context("Leptos configuration (LEPTOS_*)")?
        .leptos_options;
    if leptos_options.output_name.is_empty() {
        // Built without cargo-leptos (e.g. `cargo test`): use the workspace's output name.
        leptos_options.output_name = "tokengate".into();
    }
    let addr = leptos_options.site_addr;
    // Bound first: the default public URL is the address actually listened on (port 0 in tests).
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on LEPTOS_SITE_ADDR={addr}"))?;
    let local = listener.local_addr()?;
    let public_url = PublicUrl::resolve(config.public_url.as_deref(), local)?;
    if config.public_url.is_none() && !local.ip().is_loopback() {
        tracing::warn!(%local, "TOKENGATE_PUBLIC_URL is not set: cookies are not Secure and cross-origin checks expect http://{local}");
    }
    let open_at = public_url.origin().to_owned();
    let state = AppState::build(&config, leptos_options, public_url).await?;
    metrics::start(config.metrics_addr, &state).await?;
    spawn_key_reload(&state, &config);
    let every = Duration::from_secs(config.prune_interval_secs);
    prune::spawn(&state, every, config.event_retention_days);
    app::server::recovery::spawn_mail_sender(&state);
    let router = routes::router(state, &config);

    tracing::info!(%local, "listening");
    println!("tokengate listening on http://{local}");
    println!("open {open_at} in a browser");
    let limits = listener::Limits {
        header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
        max_connections: usize::try_from(config.max_connections).unwrap_or(usize::MAX),
    };
    listener::serve(listener, router, limits, shutdown_signal()).await;
    Ok(())
}

/// Reloads the signing keys from the database every `TOKENGATE_KEY_RELOAD_SECS`, so rotated
/// keys are picked up (and retired ones dropped) without a restart.
fn spawn_key_reload(state: &AppState, config: &Config) {
    let source = KeySource::from_config(config);
    if source.is_configured() {
        return;
    }
    let (keys, db) = (state.keys.clone(), state.db.clone());
    let every = std::time::Duration::from_secs(config.key_reload_secs);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            match load_signing_keys(&db, &source).await {
                Ok(fresh) => keys.store(std::sync::Arc::new(fresh)),
                Err(e) => tracing::warn!(error = %e, "signing keys not reloaded"),
            }
        }
    });
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = Db::connect(config).await?;
    db.migrate().await?;
    println!("migrations applied");
    Ok(())
}

async fn rotate_key(config: &Config) -> anyhow::Result<()> {
    let db = Db::connect(config).await?;
    db.migrate().await?;
    // Published now, signing after the delay; older keys keep verifying until the tokens they
    // signed (one lifetime plus leeway) have expired, then retire.
    let delay = config.key_publish_delay_secs as i64;
    let lifetime = (config.access_token_ttl_secs + config.jwt_leeway_secs) as i64;
    let kid = rotate_signing_key(&db, config.jwt_algorithm, delay, lifetime).await?;
    println!(
        "new signing key {kid}; signs in {delay} s (running servers pick it up by then), older keys retire in {} s",
        delay + lifetime
    );
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
