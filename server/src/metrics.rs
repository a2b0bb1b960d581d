//! Prometheus metrics (`TOKENGATE_METRICS_ADDR`): the text exposition at `GET /metrics` on a
//! listener of its own, so the numbers (logins, locks, queue depths) are never reachable on the
//! public port and an operator can bind them to loopback or a private network. Off by default:
//! without the address no recorder is installed and every `metrics_names` call is a no-op. The
//! names live in `app::server::metrics_names`; this file only serves them and samples what no
//! request flow sees (the pool, the mail queue).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use app::server::db::Db;
use app::server::mail::queue;
use app::server::metrics_names::{
    self, PASSWORD_HASH_SECONDS, PASSWORD_VERIFY_SECONDS, SIGNATURE_BATCH_SIZE,
};
use app::server::state::AppState;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::listener;

/// How often the pool and the mail queue are sampled (and histograms drained).
const SAMPLE_EVERY: Duration = Duration::from_secs(5);
/// The Prometheus text format's content type.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";
/// A scraper needs a connection or two; a few more leave room for a person with curl.
const LIMITS: listener::Limits = listener::Limits {
    header_read_timeout: Duration::from_secs(10),
    max_connections: 16,
};

/// Binds `addr` (so a taken or invalid address stops start-up), installs the recorder, and
/// spawns the listener and the sampler. Does nothing when `addr` is `None`.
pub async fn start(addr: Option<SocketAddr>, state: &AppState) -> anyhow::Result<()> {
    let Some(addr) = addr else {
        return Ok(());
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on TOKENGATE_METRICS_ADDR={addr}"))?;
    let handle = install().context("metrics recorder")?;
    start_sampler(state.db.clone(), handle.clone()).await;
    let router = Router::new().route(
        "/metrics",
        get(move || {
            let body = handle.render();
            async move { ([(CONTENT_TYPE, TEXT_FORMAT)], body) }
        }),
    );
    let local = listener.local_addr()?;
    tracing::info!(%local, "metrics listening");
    tokio::spawn(listener::serve(
        listener,
        router,
        LIMITS,
        std::future::pending(),
    ));
    Ok(())
}

/// The global recorder (the `metrics` facade has exactly one per process), with real buckets
/// for the Argon2 timings and the signature batch sizes instead of the exporter's default summaries.
fn install() -> anyhow::Result<PrometheusHandle> {
    let buckets = &metrics_names::PASSWORD_SECONDS_BUCKETS;
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(PASSWORD_HASH_SECONDS.into()), buckets)?
        .set_buckets_for_metric(Matcher::Full(PASSWORD_VERIFY_SECONDS.into()), buckets)?
        .set_buckets_for_metric(
            Matcher::Full(SIGNATURE_BATCH_SIZE.into()),
            &metrics_names::SIGNATURE_BATCH_BUCKETS,
        )?
        .install_recorder()?;
    metrics_names::describe();
    Ok(handle)
}

/// Samples once before the listener starts (so the gauges exist from the first scrape), then
/// every `SAMPLE_EVERY`.
async fn start_sampler(db: Db, handle: PrometheusHandle) {
    sample(&db).await;
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(SAMPLE_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            sample(&db).await;
            handle.run_upkeep();
        }
    });
}

async fn sample(db: &Db) {
    metrics_names::db_pool(db.pool.size(), db.pool.num_idle());
    match queue::depth(db, app::server::now_unix()).await {
        Ok(depth) => metrics_names::mail_queue(depth.pending, depth.failed_recent),
        Err(e) => tracing::warn!(error = %e, "mail queue depth not sampled"),
    }
}
