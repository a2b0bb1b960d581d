//! `GET /api/auth/sessions`, `POST /api/auth/sessions/end` (and `DELETE /api/auth/sessions/{id}`),
//! `POST /api/auth/sessions/end-others`: the caller's sessions. All need a live session.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

use super::{SessionInfo, SessionsEnded};
use crate::client::ApiClient;
use crate::error::ApiError;

/// The caller's active sessions, most recently used first.
#[server(prefix = "/api", endpoint = "auth/sessions", input = GetUrl, client = ApiClient)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, ApiError> {
    use crate::server::refresh_rotation::is_live;
    use crate::server::state::app_state;

    let claims = crate::server::guard::require_live_session().await?;
    let state = app_state()?;
    let now = crate::server::now_unix();
    let families =
        crate::server::db::refresh_families::active_families(&state.db, &claims.sub, now).await?;
    Ok(families
        .into_iter()
        .filter(|f| is_live(f, &state.sessions, now))
        .map(|f| SessionInfo {
            current: f.id == claims.sid,
            id: f.id,
            created_at: f.created_at,
            last_used_at: f.last_used_at,
            user_agent: crate::server::audit::user_agent::describe(&f.user_agent),
        })
        .collect())
}

/// Ends one of the caller's sessions (`ended` is 0 if it was not theirs or already over).
#[server(prefix = "/api", endpoint = "auth/sessions/end", input = Json, client = ApiClient)]
pub async fn end_session(id: String) -> Result<SessionsEnded, ApiError> {
    let claims = crate::server::guard::require_live_session().await?;
    let state = crate::server::state::app_state()?;
    end_session_of(&state, &claims.sub, &id).await
}

/// Ends every session of the caller except the current one.
#[server(prefix = "/api", endpoint = "auth/sessions/end-others", input = Json, client = ApiClient)]
pub async fn end_other_sessions() -> Result<SessionsEnded, ApiError> {
    use crate::server::db::refresh_families::{revoke_user_families, RevokeReason};
    use crate::server::state::app_state;

    let claims = crate::server::guard::require_live_session().await?;
    let state = app_state()?;
    let now = crate::server::now_unix();
    let keep = Some(claims.sid.as_str());
    let reason = RevokeReason::EndedByUser;
    let ended = revoke_user_families(&state.db, &claims.sub, keep, reason, now).await?;
    if ended > 0 {
        let why = "ended_others";
        crate::server::audit::session_ended(&state, &claims.sub, None, why, now).await?;
    }
    Ok(SessionsEnded { ended })
}

/// Shared by the server function and `DELETE /api/auth/sessions/{id}`.
#[cfg(feature = "ssr")]
pub async fn end_session_of(
    state: &crate::server::AppState,
    user_id: &str,
    id: &str,
) -> Result<SessionsEnded, ApiError> {
    use crate::server::db::refresh_families::{self as store, RevokeReason};

    let owned = store::find_family(&state.db, id)
        .await?
        .is_some_and(|f| f.user_id == user_id);
    let ended = if owned {
        let now = crate::server::now_unix();
        let reason = RevokeReason::EndedByUser;
        let ended = store::revoke_family(&state.db, id, reason, now).await?;
        if ended {
            let why = reason.as_str();
            crate::server::audit::session_ended(state, user_id, Some(id), why, now).await?;
        }
        ended
    } else {
        false
    };
    Ok(SessionsEnded {
        ended: u64::from(ended),
    })
}
