//! `/api/admin/...` and `GET /api/account/events`: administration and the audit trail (see
//! `server::admin`, `server::audit`). Every admin call checks the caller's role and session in
//! the database; others get 403 `forbidden`. The REST paths with an id in them
//! (`/api/admin/users/{id}`, `/{id}/disable`, ...) are plain routes in `admin_routes.rs` that
//! share these bodies.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};
use serde::{Deserialize, Serialize};

use super::SessionInfo;
use crate::client::ApiClient;
use crate::error::ApiError;

/// An account as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: String,
    pub username: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub role: String,
    pub disabled: bool,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub users: Vec<AdminUser>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// One entry of the audit trail (also the row `server::audit::list` reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SecurityEvent {
    pub id: String,
    pub at: i64,
    /// `signup`, `login_succeeded`, `login_failed`, ... (see the README).
    pub kind: String,
    pub user_id: Option<String>,
    pub actor_id: Option<String>,
    pub session_id: Option<String>,
    pub client_address: Option<String>,
    /// "Chrome 156 on Linux".
    pub user_agent: Option<String>,
    pub reason: Option<String>,
}

/// A user with what an administrator needs to act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetails {
    #[serde(flatten)]
    pub user: AdminUser,
    /// A second factor is on: TOTP, or a passkey on an account with a password.
    pub mfa_enabled: bool,
    /// Passkeys of the account (a passkey-only account has no password).
    #[serde(default)]
    pub passkeys: i64,
    pub recovery_codes_left: i64,
    pub sessions: Vec<SessionInfo>,
    pub events: Vec<SecurityEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminDone {
    pub ok: bool,
}

/// Users per page of `GET /api/admin/users`.
pub const PER_PAGE: i64 = 25;
/// Events per answer.
pub const EVENTS_LIMIT: i64 = 100;

/// Accounts whose username or address contains `q`, 25 per `page` (from 1).
#[server(prefix = "/api", endpoint = "admin/users", input = GetUrl, client = ApiClient)]
pub async fn admin_users(
    #[server(default)] q: Option<String>,
    #[server(default)] page: Option<i64>,
) -> Result<UserPage, ApiError> {
    let (state, _, _) = crate::server::admin::require_admin().await?;
    bodies::users(&state, q.as_deref().unwrap_or_default(), page.unwrap_or(1)).await
}

/// One account with its sessions, factor and recent events (also `GET /api/admin/users/{id}`).
#[server(prefix = "/api", endpoint = "admin/user", input = GetUrl, client = ApiClient)]
pub async fn admin_user_details(id: String) -> Result<UserDetails, ApiError> {
    let (state, _, _) = crate::server::admin::require_admin().await?;
    bodies::user(&state, &id).await
}

/// Acts on an account: `action` is `disable`, `enable`, `sign-out`, `reset-mfa` or `role` (with
/// `role`). The same as `POST /api/admin/users/{id}/{action}`. 404 `not_found` for an unknown id.
#[server(prefix = "/api", endpoint = "admin/users/act", input = Json, client = ApiClient)]
pub async fn admin_act(
    id: String,
    action: String,
    #[server(default)] role: Option<String>,
) -> Result<AdminDone, ApiError> {
    let (state, _, admin) = crate::server::admin::require_admin().await?;
    let origin = crate::server::audit::Origin::current(&state);
    bodies::act(&state, &admin.id, &origin, &id, &action, role.as_deref()).await
}

/// The audit trail, newest first (at most 100), optionally of one user and one `type`.
#[server(prefix = "/api", endpoint = "admin/events", input = GetUrl, client = ApiClient)]
pub async fn admin_events(
    #[server(default)] user_id: Option<String>,
    #[server(default)] r#type: Option<String>,
) -> Result<Vec<SecurityEvent>, ApiError> {
    let (state, _, _) = crate::server::admin::require_admin().await?;
    bodies::events(&state, user_id.as_deref(), r#type.as_deref()).await
}

/// The caller's own recent security activity (at most 100, newest first).
#[server(prefix = "/api", endpoint = "account/events", input = GetUrl, client = ApiClient)]
pub async fn account_events() -> Result<Vec<SecurityEvent>, ApiError> {
    let claims = crate::server::guard::require_live_session().await?;
    let state = crate::server::state::app_state()?;
    bodies::events(&state, Some(&claims.sub), None).await
}

/// What the server functions and the plain REST routes share.
#[cfg(feature = "ssr")]
pub mod bodies {
    use super::{
        AdminDone, AdminUser, SecurityEvent, UserDetails, UserPage, EVENTS_LIMIT, PER_PAGE,
    };
    use crate::api::SessionInfo;
    use crate::error::{ApiError, ErrorCode};
    use crate::server::admin::{self, Actor};
    use crate::server::audit::{self, EventKind, Origin};
    use crate::server::db::users::{self, UserRecord};
    use crate::server::db::{mfa, refresh_families};
    use crate::server::state::AppState;

    fn view(user: UserRecord) -> AdminUser {
        AdminUser {
            email_verified: user.email_verified_at.is_some(),
            disabled: user.disabled_at.is_some(),
            id: user.id,
            username: user.username,
            email: user.email,
            role: user.role,
            created_at: user.created_at,
            last_login_at: user.last_login_at,
        }
    }

    pub async fn users(state: &AppState, q: &str, page: i64) -> Result<UserPage, ApiError> {
        let q: String = q.trim().chars().take(254).collect();
        let page = page.clamp(1, 1_000_000);
        let (found, total) = users::search(&state.db, &q, PER_PAGE, (page - 1) * PER_PAGE).await?;
        Ok(UserPage {
            users: found.into_iter().map(view).collect(),
            total,
            page,
            per_page: PER_PAGE,
        })
    }

    pub async fn user(state: &AppState, id: &str) -> Result<UserDetails, ApiError> {
        let user = users::find_by_id(&state.db, id)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "No such user"))?;
        let now = crate::server::now_unix();
        let sessions = refresh_families::active_families(&state.db, &user.id, now)
            .await?
            .into_iter()
            .filter(|f| crate::server::refresh_rotation::is_live(f, &state.sessions, now))
            .map(|f| SessionInfo {
                current: false,
                id: f.id,
                created_at: f.created_at,
                last_used_at: f.last_used_at,
                user_agent: audit::user_agent::describe(&f.user_agent),
            })
            .collect();
        let events = audit::list(&state.db, Some(&user.id), None, EVENTS_LIMIT).await?;
        let passkeys = crate::server::db::passkeys::count(&state.db, &user.id).await?;
        let totp = mfa::has_confirmed_totp(&state.db, &user.id).await?;
        Ok(UserDetails {
            mfa_enabled: totp || (passkeys > 0 && user.has_password()),
            passkeys,
            recovery_codes_left: mfa::recovery_codes_left(&state.db, &user.id).await?,
            sessions,
            events,
            user: view(user),
        })
    }

    pub async fn act(
        state: &AppState,
        admin_id: &str,
        origin: &Origin,
        id: &str,
        action: &str,
        role: Option<&str>,
    ) -> Result<AdminDone, ApiError> {
        let actor = Actor {
            id: Some(admin_id),
            origin,
        };
        let now = crate::server::now_unix();
        let db = &state.db;
        match action {
            "disable" => admin::disable(db, id, actor, now).await?,
            "enable" => admin::enable(db, id, actor, now).await?,
            "sign-out" => admin::sign_out(db, id, actor, now).await?,
            "reset-mfa" => admin::reset_mfa(db, id, actor, now).await?,
            "role" => {
                let role = role.ok_or_else(|| ApiError::invalid_input("`role` is required"))?;
                admin::set_role(db, id, role, actor, now).await?
            }
            _ => {
                return Err(ApiError::invalid_input(
                    "action must be disable, enable, sign-out, reset-mfa or role",
                ))
            }
        }
        tracing::info!(admin_id, user_id = id, action, "admin action");
        Ok(AdminDone { ok: true })
    }

    pub async fn events(
        state: &AppState,
        user_id: Option<&str>,
        kind: Option<&str>,
    ) -> Result<Vec<SecurityEvent>, ApiError> {
        let kind = match kind.filter(|k| !k.is_empty()) {
            Some(k) => Some(EventKind::parse(k).ok_or_else(|| {
                ApiError::invalid_input(format!(
                    "unknown event type `{}`",
                    k.chars().take(40).collect::<String>()
                ))
            })?),
            None => None,
        };
        let user_id = user_id.filter(|u| !u.is_empty());
        Ok(audit::list(&state.db, user_id, kind, EVENTS_LIMIT).await?)
    }
}
