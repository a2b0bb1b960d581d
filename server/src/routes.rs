//! Router wiring: pages, server functions, health and key endpoints, and the tower layers.

use std::time::Duration;

use app::api::sessions::end_session_of;
use app::api::{CurrentUser, SessionsEnded};
use app::error::{ApiError, ErrorCode};
use app::server::guard::ensure_live;
use app::server::guard::AuthUser;
use app::server::state::AppState;
use app::{shell, App};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, delete, get, post};
use axum::{middleware, Json, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::api_boundary::api_boundary;
use crate::assets;

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let x_request_id = HeaderName::from_static("x-request-id");
    let pkg_path = format!("/{}", state.leptos_options.site_pkg_dir);

    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/.well-known/jwks.json", get(jwks))
        // `GET /api/me` is the server function; POST answers the same for API clients.
        .route("/api/me", post(me_post))
        .route("/api/auth/sessions/{id}", delete(delete_session))
        // Forms posted before the WASM has loaded (or with JavaScript off) land here: the
        // credentials stay in the body and are dropped; the page explains that JS is needed.
        .route("/login", post(|| async { Redirect::to("/login?js=required") }))
        .route("/signup", post(|| async { Redirect::to("/signup?js=required") }))
        .route("/account", post(|| async { Redirect::to("/login?js=required") }))
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .nest_service(&pkg_path, assets::pkg_files(&state.leptos_options))
        .fallback(public_file_or_not_found)
        .layer(middleware::from_fn(api_boundary))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(x_request_id.clone(), MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                        let id = req
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        // The path only: no query string, no headers.
                        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                    }),
                )
                .layer(PropagateRequestIdLayer::new(x_request_id))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    Duration::from_secs(30),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("DENY"),
                )),
        )
        .with_state(state)
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> Response {
    let ping = tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await;
    if matches!(ping, Ok(true)) {
        Json(serde_json::json!({ "status": "ready" })).into_response()
    } else {
        ApiError::service_unavailable().into_response()
    }
}

async fn jwks(State(state): State<AppState>) -> Response {
    let body = serde_json::json!({ "keys": state.keys.load().public_jwks() });
    ([(header::CACHE_CONTROL, "public, max-age=300")], Json(body)).into_response()
}

async fn me_post(AuthUser(claims): AuthUser) -> Json<CurrentUser> {
    Json(CurrentUser {
        id: claims.sub,
        username: claims.username,
        role: claims.role,
    })
}

async fn delete_session(
    State(state): State<AppState>,
    AuthUser(claims): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<SessionsEnded>, ApiError> {
    ensure_live(&state, &claims).await?;
    end_session_of(&state, &claims.sub, &id).await.map(Json)
}

/// A file from `public/` (favicon), else the app's 404 page.
async fn public_file_or_not_found(
    State(state): State<AppState>,
    uri: Uri,
    request: Request,
) -> Response {
    if let Some(file) = assets::public_file(&state.leptos_options, &request).await {
        return file;
    }
    leptos_axum::file_and_error_handler::<AppState, _>(shell)(uri, State(state), request).await
}

async fn api_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "No such API endpoint")
}
