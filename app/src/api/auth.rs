//! `POST /api/auth/signup`, `POST /api/auth/login`, `POST /api/auth/logout`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{LoggedOut, TokenResponse};
use crate::client::ApiClient;
use crate::error::ApiError;

/// Creates an account and logs it in. 201 with a token; 409 `username_taken`;
/// 400 `invalid_input`; 422 `weak_password`.
#[server(prefix = "/api", endpoint = "auth/signup", input = Json, client = ApiClient)]
pub async fn signup(username: String, password: String) -> Result<TokenResponse, ApiError> {
    use crate::server::credentials::{Password, Username};
    use crate::server::db::users::{self, CreateUserError};
    use crate::server::respond::{app_state, db_error, internal, set_status, token_response};

    let state = app_state()?;
    let username = Username::parse(&username)?;
    let password = Password::parse(password, &username)?;
    let hash = state.passwords.hash(password).await.map_err(internal)?;
    let id = uuid::Uuid::new_v4().to_string();
    let user = users::create(&state.db, &id, &username, &hash, crate::server::now_unix())
        .await
        .map_err(|e| match e {
            CreateUserError::UsernameTaken => ApiError::username_taken(),
            CreateUserError::Db(e) => db_error(e),
        })?;
    tracing::info!(user_id = %user.id, "account created");
    set_status(axum::http::StatusCode::CREATED);
    token_response(&state, &user)
}

/// Checks the credentials and issues an access token. 401 `invalid_credentials` for an unknown
/// user and a wrong password alike, after the same Argon2 work.
#[server(prefix = "/api", endpoint = "auth/login", input = Json, client = ApiClient)]
pub async fn login(username: String, password: String) -> Result<TokenResponse, ApiError> {
    use crate::server::credentials::{Password, Username};
    use crate::server::db::users;
    use crate::server::respond::{app_state, db_error, internal, token_response};

    let state = app_state()?;
    let password = Password::for_login(password)?;
    let record = match Username::parse(&username) {
        Ok(name) => users::find_by_username(&state.db, &name)
            .await
            .map_err(db_error)?,
        Err(_) => None,
    };
    let stored_hash = record.as_ref().map(|r| r.password_hash.clone());
    let verified = state
        .passwords
        .verify(password, stored_hash)
        .await
        .map_err(internal)?;
    match record {
        Some(user) if verified => {
            tracing::info!(user_id = %user.id, "login succeeded");
            token_response(&state, &user)
        }
        _ => {
            tracing::info!("login failed");
            Err(ApiError::invalid_credentials())
        }
    }
}

/// Ends the session on this device. Access tokens are stateless: the client drops its token,
/// which stays cryptographically valid until its `exp` (at most the configured lifetime).
#[server(prefix = "/api", endpoint = "auth/logout", input = Json, client = ApiClient)]
pub async fn logout() -> Result<LoggedOut, ApiError> {
    Ok(LoggedOut { logged_out: true })
}
