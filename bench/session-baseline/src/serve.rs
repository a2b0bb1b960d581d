//! `serve`: the router with the session + auth layers, wired like `session_auth_axum`.

use std::net::SocketAddr;

use axum::{
    body::Body, extract::Request, http::StatusCode, response::IntoResponse, routing::get,
    serve::ListenerExt, Router,
};
use axum_session::{SessionAnyPool, SessionLayer, SessionStore};
use axum_session_auth::AuthSessionLayer;
use leptos::prelude::provide_context;
use leptos_axum::handle_server_fns_with_context;
use uuid::Uuid;

use crate::auth::{auth_config, session_config, AuthSession, User};
use crate::db::Db;

pub async fn serve(database_url: &str, addr: SocketAddr) -> anyhow::Result<()> {
    let db = Db::connect(database_url).await?;
    db.create_users_table().await?;
    let app = router(db).await?;

    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    // As the product does: without TCP_NODELAY small responses stall on Nagle + delayed ACK,
    // which would make the comparison about TCP rather than about sessions.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    println!("session-baseline listening on http://{local}");
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Creates the session table (the store's own `CREATE TABLE IF NOT EXISTS`) and builds the app.
pub async fn router(db: Db) -> anyhow::Result<Router> {
    let store = SessionStore::new(Some(db.session_pool()), session_config()).await?;
    Ok(Router::new()
        .route(
            "/api/{*fn_name}",
            get(server_fn_handler).post(server_fn_handler),
        )
        .layer(
            AuthSessionLayer::<User, Uuid, SessionAnyPool, Db>::new(Some(db))
                .with_config(auth_config()),
        )
        .layer(SessionLayer::new(store))
        // Added after the layers, so outside them: a probe must not mint a session row per call.
        .route("/healthz", get(|| async { StatusCode::OK })))
}

/// Hands the request's `AuthSession` to server functions through the Leptos context.
async fn server_fn_handler(auth: AuthSession, request: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(move || provide_context(auth.clone()), request).await
}
