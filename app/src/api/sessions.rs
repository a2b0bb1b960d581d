//! `GET /api/auth/sessions`, `POST /api/auth/sessions/end` (and `DELETE /api/auth/sessions/{id}`),
//! `POST /api/auth/password`: the caller's sessions and password. All need a live session.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

use super::{SessionInfo, SessionsEnded};
use crate::client::ApiClient;
use crate::error::ApiError;

/// The caller's active sessions, most recently used first.
#[server(prefix = "/api", endpoint = "auth/sessions", input = GetUrl, client = ApiClient)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, ApiError> {
    use crate::server::respond::{app_state, db_error};
    use crate::server::sessions::is_live;

    let claims = crate::server::guard::require_live_session().await?;
    let state = app_state()?;
    let now = crate::server::now_unix();
    let families = crate::server::db::sessions::active_families(&state.db, &claims.sub, now)
        .await
        .map_err(db_error)?;
    Ok(families
        .into_iter()
        .filter(|f| is_live(f, &state.sessions, now))
        .map(|f| SessionInfo {
            current: f.id == claims.sid,
            id: f.id,
            created_at: f.created_at,
            last_used_at: f.last_used_at,
            user_agent: f.user_agent,
        })
        .collect())
}

/// Ends one of the caller's sessions (`ended` is 0 if it was not theirs or already over).
#[server(prefix = "/api", endpoint = "auth/sessions/end", input = Json, client = ApiClient)]
pub async fn end_session(id: String) -> Result<SessionsEnded, ApiError> {
    let claims = crate::server::guard::require_live_session().await?;
    let state = crate::server::respond::app_state()?;
    end_session_of(&state, &claims.sub, &id).await
}

/// Ends every session of the caller except the current one.
#[server(prefix = "/api", endpoint = "auth/sessions/end-others", input = Json, client = ApiClient)]
pub async fn end_other_sessions() -> Result<SessionsEnded, ApiError> {
    use crate::server::respond::{app_state, db_error};

    let claims = crate::server::guard::require_live_session().await?;
    let state = app_state()?;
    let ended = crate::server::db::sessions::revoke_user_families(
        &state.db,
        &claims.sub,
        Some(&claims.sid),
        "ended_by_user",
        crate::server::now_unix(),
    )
    .await
    .map_err(db_error)?;
    Ok(SessionsEnded { ended })
}

/// Changes the password: the current one is required; every other session is ended.
/// 401 `invalid_credentials` for a wrong current password; 422 `weak_password`.
#[server(prefix = "/api", endpoint = "auth/password", input = Json, client = ApiClient)]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<SessionsEnded, ApiError> {
    use crate::server::credentials::{Password, Username};
    use crate::server::db::{sessions as store, users};
    use crate::server::respond::{db_error, internal};

    let (state, claims, user) = crate::server::guard::reauthenticate(current_password).await?;
    let name = Username::parse(&user.username)?;
    let new = Password::parse(new_password, &name)?;
    let hash = state.passwords.hash(new).await.map_err(internal)?;
    users::update_password_hash(&state.db, &user.id, &hash)
        .await
        .map_err(db_error)?;
    let ended = store::revoke_user_families(
        &state.db,
        &user.id,
        Some(&claims.sid),
        "password_changed",
        crate::server::now_unix(),
    )
    .await
    .map_err(db_error)?;
    tracing::info!(user_id = %user.id, ended, "password changed");
    Ok(SessionsEnded { ended })
}

/// Shared by the server function and `DELETE /api/auth/sessions/{id}`.
#[cfg(feature = "ssr")]
pub async fn end_session_of(
    state: &crate::server::AppState,
    user_id: &str,
    id: &str,
) -> Result<SessionsEnded, ApiError> {
    use crate::server::db::sessions as store;
    use crate::server::respond::db_error;

    let owned = store::find_family(&state.db, id)
        .await
        .map_err(db_error)?
        .is_some_and(|f| f.user_id == user_id);
    let ended = if owned {
        store::revoke_family(&state.db, id, "ended_by_user", crate::server::now_unix())
            .await
            .map_err(db_error)?
    } else {
        false
    };
    Ok(SessionsEnded {
        ended: u64::from(ended),
    })
}
