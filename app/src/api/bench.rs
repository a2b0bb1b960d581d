//! Built only with the `bench` feature (`make bench`), never in the product: `me` without its
//! guard, so the benchmark can put a number on what authentication adds to a server function
//! (same server-function dispatch, codec and answer shape; no token, no verification).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::CurrentUser;
use crate::client::ApiClient;
use crate::error::ApiError;

#[server(prefix = "/api", endpoint = "bench/anonymous-me", input = GetUrl, client = ApiClient)]
pub async fn anonymous_me() -> Result<CurrentUser, ApiError> {
    Ok(CurrentUser {
        id: "00000000-0000-0000-0000-000000000000".into(),
        username: "anonymous".into(),
        role: "user".into(),
    })
}
