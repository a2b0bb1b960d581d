//! Router wiring: pages, server functions, health and key endpoints, and the tower layers.

use std::any::Any;
use std::time::Duration;

use app::error::{ApiError, ErrorCode};
use app::server::config::Config;
use app::server::state::AppState;
use app::{shell, App};
use axum::error_handling::HandleErrorLayer;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use axum::{middleware, BoxError, Json, Router};
use leptos_axum::{generate_route_list_with_exclusions, LeptosRoutes};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::api_boundary::api_boundary;
use crate::assets;

pub fn router(state: AppState, config: &Config) -> Router {
    // `GET /api/me` is served by a plain handler (`app::api::plain_routes`), not by the `me`
    // server function: leaving it out here keeps Leptos from mounting that function's route.
    let routes = generate_route_list_with_exclusions(App, Some(vec!["/api/me".to_owned()]));
    let x_request_id = HeaderName::from_static("x-request-id");
    let pkg_path = format!("/{}", state.leptos_options.site_pkg_dir);
    let max_requests = usize::try_from(config.max_concurrent_requests).unwrap_or(usize::MAX);
    let request_timeout = Duration::from_secs(config.request_timeout_secs);
    // HSTS only where users reach us over HTTPS (never decided by a request header).
    let hsts = state.public_url.is_https().then(|| {
        SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        )
    });

    let router = Router::new();
    #[cfg(feature = "bench")]
    let router = router.merge(app::api::bench::routes());
    router
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/.well-known/jwks.json", get(jwks))
        .merge(app::api::plain_routes::routes())
        .merge(app::api::admin_routes::routes())
        // Forms posted before the WASM has loaded (or with JavaScript off) land here: the
        // credentials stay in the body and are dropped; the page explains that JS is needed.
        .route("/login", post(|| async { Redirect::to("/login?js=required") }))
        .route("/signup", post(|| async { Redirect::to("/signup?js=required") }))
        .route("/account", post(|| async { Redirect::to("/login?js=required") }))
        .route(
            "/forgot-password",
            post(|| async { Redirect::to("/forgot-password?js=required") }),
        )
        .route("/reset-password", post(link_page_without_js))
        .route("/verify-email", post(link_page_without_js))
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .nest_service(&pkg_path, assets::pkg_files(&state.leptos_options))
        .fallback(public_file_or_not_found)
        .layer(middleware::from_fn_with_state(state.clone(), api_boundary))
        .layer(
            ServiceBuilder::new()
                // Outermost: a panic anywhere below is this request's 500, not the process's end.
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(middleware::map_request(drop_unusable_request_id))
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
                .option_layer(hsts)
                // Beyond `max_requests` in flight, answer 503 at once instead of queueing; no
                // request (body included) runs longer than the request timeout.
                .layer(HandleErrorLayer::new(overload_or_timeout))
                .load_shed()
                .layer(GlobalConcurrencyLimitLayer::new(max_requests))
                .timeout(request_timeout)
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

/// The 500 of a request whose handler panicked; the panic is logged, its message never sent.
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %message, "request handler panicked");
    ApiError::internal().into_response()
}

/// Keeps a client's `x-request-id` only when it looks like an id (at most 64 of
/// `A-Z a-z 0-9 . _ -`); otherwise the server makes one. Logs and answers never carry
/// arbitrary client text.
async fn drop_unusable_request_id(mut req: Request) -> Request {
    let usable = req.headers().get("x-request-id").is_some_and(|v| {
        let bytes = v.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= 64
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    });
    if !usable {
        req.headers_mut().remove("x-request-id");
    }
    req
}

/// The answer when a request was shed or timed out: never cached, whatever the path.
async fn overload_or_timeout(err: BoxError) -> Response {
    let mut response = if err.is::<tower::load_shed::error::Overloaded>() {
        tracing::warn!("request shed: at the concurrent-request limit");
        let busy = ApiError::new(
            ErrorCode::Overloaded,
            "The server is busy. Please retry in a moment.",
        );
        busy.with_retry_after(1).into_response()
    } else if err.is::<tower::timeout::error::Elapsed>() {
        ApiError::new(ErrorCode::RequestTimeout, "The request took too long").into_response()
    } else {
        tracing::error!(error = %err, "middleware error");
        ApiError::internal().into_response()
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
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

/// A mail link's page posted without JavaScript: back to the same page, with its token when it is
/// well formed (nothing else from the request is echoed into the `Location`), asking for
/// JavaScript.
async fn link_page_without_js(uri: axum::http::Uri) -> Redirect {
    let token = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .filter(|token| app::server::secret_token::is_well_formed(token));
    match token {
        Some(token) => Redirect::to(&format!("{}?token={token}&js=required", uri.path())),
        None => Redirect::to(&format!("{}?js=required", uri.path())),
    }
}

async fn api_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "No such API endpoint")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{to_bytes, Body};
    use tower::ServiceExt as _;

    async fn boom() -> &'static str {
        panic!("secret detail")
    }

    #[tokio::test]
    async fn a_panicking_handler_is_answered_500_internal_and_the_service_keeps_serving() {
        let app = Router::new()
            .route("/boom", get(boom))
            .route("/fine", get(|| async { "fine" }))
            .layer(CatchPanicLayer::custom(panic_response));
        let request = |path| Request::builder().uri(path).body(Body::empty()).unwrap();

        let response = app.clone().oneshot(request("/boom")).await.unwrap();
        assert_eq!(response.status(), 500);
        let body = to_bytes(response.into_body(), 1024).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"], "internal");
        assert!(!body.to_string().contains("secret detail"));

        let response = app.oneshot(request("/fine")).await.unwrap();
        assert_eq!(response.status(), 200);
    }
}
