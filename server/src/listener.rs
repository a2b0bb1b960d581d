//! The accept loop: hyper's HTTP/1.1 server with the limits `axum::serve` leaves unset.
//!
//! - A client must send each request's headers within `header_read_timeout`, and an idle
//!   keep-alive connection is closed after the same time (hyper restarts the timer whenever it
//!   waits for the next request's head), so slow or silent clients cannot hold connections.
//! - At most `max_connections` connections are served at once; further ones wait in the
//!   kernel's listen backlog until one closes, instead of each costing a task and buffers.
//! - The request target is checked before routing (`request_target`), and the TCP peer is
//!   handed to the app as `ConnectInfo`.
//! - On shutdown, connections finish their in-flight request (up to `drain`), then close.
//!
//! HTTP/2 is not offered: a TLS proxy in front speaks HTTP/1.1 to its upstream.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::IntoResponse as _;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

use crate::request_target;

/// Largest request head (request line plus headers) read into memory.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Longest wait for in-flight requests at shutdown.
const DRAIN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Without TCP_NODELAY small responses stall 20-45 ms (Nagle + delayed ACK).
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let app = app.clone();
            async move {
                let mut req = req.map(Body::new);
                req.extensions_mut().insert(ConnectInfo(peer));
                match request_target::normalize(req) {
                    Ok(req) => app.oneshot(req).await,
                    Err(answered) => Ok(answered.into_response()),
                }
            }
        });
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .max_header_size(MAX_HEAD_BYTES);
        let connection = graceful.watch(http.serve_connection(TokioIo::new(tcp), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain time; closing them");
    }
}
