//! `POST /api/auth/password-reset` and `/api/auth/password-reset/confirm`: recovering an account
//! by e-mail (see `server::recovery::reset`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{Accepted, TokenResponse};
use crate::client::ApiClient;
use crate::error::ApiError;

/// Asks for a reset link. 202 with the same body and the same work for known, unknown and
/// unverified addresses (only a verified one gets mail); 400 `invalid_input` for something that
/// is not an address; 429 `too_many_attempts` per address and per client.
#[server(prefix = "/api", endpoint = "auth/password-reset", input = Json, client = ApiClient)]
pub async fn request_password_reset(email: String) -> Result<Accepted, ApiError> {
    use crate::server::recovery::reset;
    use crate::server::response::set_status;
    use crate::server::state::app_state;

    let state = app_state()?;
    reset::request(&state, &email, crate::server::now_unix()).await?;
    set_status(axum::http::StatusCode::ACCEPTED);
    Ok(Accepted { accepted: true })
}

/// Sets a new password with a reset link's token, ends every session of the account, and logs
/// in (the login answer: token and refresh cookie). 400 `invalid_reset_token`; 422
/// `weak_password`.
#[server(prefix = "/api", endpoint = "auth/password-reset/confirm", input = Json, client = ApiClient)]
pub async fn confirm_password_reset(
    token: String,
    new_password: String,
) -> Result<TokenResponse, ApiError> {
    use crate::server::recovery::reset;
    use crate::server::session_start::start_session;
    use crate::server::state::app_state;

    let state = app_state()?;
    let binding = crate::server::dpop::TokenBinding::of_this_request(&state)?;
    let now = crate::server::now_unix();
    let user = reset::confirm(&state, &token, new_password, now).await?;
    start_session(&state, &user, binding).await
}
