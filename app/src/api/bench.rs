//! Built only with the `bench` feature (`make bench`), never in the product: `/api/me` without
//! its guard, twice, so the benchmark can put a number on what authentication adds to the plain
//! handler `/api/me` is (`anonymous-me-plain`: same answer, no token, no verification), and on
//! what Leptos's server-function dispatch would add on top (`anonymous-me`, a server function).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::CurrentUser;
use crate::client::ApiClient;
use crate::error::ApiError;

#[server(prefix = "/api", endpoint = "bench/anonymous-me", input = GetUrl, client = ApiClient)]
pub async fn anonymous_me() -> Result<CurrentUser, ApiError> {
    Ok(anonymous())
}

#[cfg(feature = "ssr")]
pub fn routes() -> axum::Router<crate::server::state::AppState> {
    axum::Router::new().route(
        "/api/bench/anonymous-me-plain",
        axum::routing::get(|| async { axum::Json(anonymous()) }),
    )
}

fn anonymous() -> CurrentUser {
    CurrentUser {
        id: "00000000-0000-0000-0000-000000000000".into(),
        username: "anonymous".into(),
        role: "user".into(),
    }
}
