//! `POST /api/auth/password`: changing the password, which ends every other session.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::SessionsEnded;
use crate::client::ApiClient;
use crate::error::ApiError;

/// Changes the password: the current one is required (and a current `code` with a second
/// factor); every other session is ended.
/// 401 `invalid_credentials` for a wrong current password; 422 `weak_password`.
#[server(prefix = "/api", endpoint = "auth/password", input = Json, client = ApiClient)]
pub async fn change_password(
    current_password: String,
    new_password: String,
    #[server(default)] code: Option<String>,
) -> Result<SessionsEnded, ApiError> {
    use crate::server::credentials::{Password, Username};
    use crate::server::db::{refresh_families::RevokeReason, users};
    use crate::server::guard::{reauthenticate, Reauthenticated};
    use crate::server::response::internal;

    let Reauthenticated {
        state,
        claims,
        user,
    } = reauthenticate(current_password, code).await?;
    let name = Username::parse(&user.username)?;
    let new = Password::parse(new_password, &name)?;
    let hash = state.passwords.hash(new).await.map_err(internal)?;
    // One transaction: the new hash, a new credentials version (logins still checking the old
    // password start dead sessions), this session kept, every other one revoked.
    // The notice is queued in the same transaction.
    let now = crate::server::now_unix();
    let mut tx = state.db.pool.begin().await?;
    let ended = users::change_credentials_in(
        &mut tx,
        &user.id,
        Some(&hash),
        Some(&claims.sid),
        RevokeReason::PasswordChanged,
        now,
    )
    .await?;
    crate::server::recovery::notices::password_changed(&mut tx, &state, &user, now).await?;
    let kind = crate::server::audit::EventKind::PasswordChanged;
    let sid = Some(claims.sid.as_str());
    crate::server::audit::by_user_in(&mut tx, &state, kind, &user.id, sid, now).await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user_id = %user.id, ended, "password changed");
    Ok(SessionsEnded { ended })
}
