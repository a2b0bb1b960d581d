//! `POST /api/auth/signup`, `/login`, `/logout`, `/logout-all`: starting and ending sessions.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{LoggedOut, SessionsEnded, TokenResponse};
use crate::client::ApiClient;
use crate::error::ApiError;

/// Creates an account and logs it in. 201 with a token; 409 `username_taken`;
/// 400 `invalid_input`; 422 `weak_password`; 429 `too_many_attempts` (per client address).
/// With an `email`, a verification link goes to it (or, if another account has verified that
/// address, a notice to it instead: the answer is the same).
#[server(prefix = "/api", endpoint = "auth/signup", input = Json, client = ApiClient)]
pub async fn signup(
    username: String,
    password: String,
    #[server(default)] email: Option<String>,
) -> Result<TokenResponse, ApiError> {
    use crate::server::audit::{self, EventKind, NewEvent, Origin};
    use crate::server::credentials::{Password, Username};
    use crate::server::db::users::{self, CreateUserError};
    use crate::server::dpop::TokenBinding;
    use crate::server::email_address::EmailAddress;
    use crate::server::recovery::links::send_verification;
    use crate::server::request::client_key;
    use crate::server::response::internal;
    use crate::server::session_start::{first_session, AMR_PASSWORD};
    use crate::server::state::app_state;
    use crate::server::throttle;

    let state = app_state()?;
    let binding = TokenBinding::of_this_request(&state)?;
    let now = crate::server::now_unix();
    let bucket = throttle::signup_bucket(&client_key(&state.trusted_proxies)?);
    throttle::ensure_unlocked(&state.db, &[&bucket], now).await?;
    let username = Username::parse(&username)?;
    let password = Password::parse(password, &username)?;
    let email = match email.as_deref().map(str::trim) {
        Some(raw) if !raw.is_empty() => Some(EmailAddress::parse(raw)?),
        _ if state.recovery.require_email => {
            return Err(ApiError::invalid_input("An e-mail address is required"))
        }
        _ => None,
    };
    // Counted before the insert: "username taken" answers are throttled too.
    throttle::take_attempt(
        &state.db,
        &state.throttle,
        &bucket,
        state.throttle.signup_max_per_ip,
        now,
    )
    .await?;
    let hash = state.passwords.hash(password).await.map_err(internal)?;
    let id = uuid::Uuid::new_v4().to_string();
    let mut tx = state.db.pool.begin().await?;
    let user = users::create(&mut *tx, &id, &username, &hash, email.as_ref(), now)
        .await
        .map_err(|e| match e {
            CreateUserError::UsernameTaken => ApiError::username_taken(),
            CreateUserError::Db(e) => e.into(),
        })?;
    if let Some(address) = &email {
        send_verification(&mut tx, &state, &user, address, now).await?;
    }
    let origin = Origin::current(&state);
    audit::record(
        &mut tx,
        &NewEvent::by_user(EventKind::Signup, &user.id, &origin, now),
    )
    .await?;
    tx.commit().await?;
    state.mailer.wake();
    tracing::info!(user_id = %user.id, "account created");
    first_session(&state, &user, binding, AMR_PASSWORD).await
}

/// Checks the credentials and issues an access token. `username` may also be the account's
/// verified e-mail address. 401 `invalid_credentials` for an unknown user and a wrong password
/// alike, after the same Argon2 work; 429 `too_many_attempts` once the account or the client
/// address is throttled (the attempt that locks an account queues a notice to its owner). For an
/// account with a second factor, the right password answers 403 `mfa_required` with an
/// `mfa_token` for `POST /api/auth/mfa/verify`, and no token or cookie.
#[server(prefix = "/api", endpoint = "auth/login", input = Json, client = ApiClient)]
pub async fn login(username: String, password: String) -> Result<TokenResponse, ApiError> {
    use crate::server::audit::{self, EventKind, NewEvent, Origin};
    use crate::server::dpop::TokenBinding;
    use crate::server::login::{check_password, LoginAttempt, LoginName};
    use crate::server::recovery::notices;
    use crate::server::request::client_key;
    use crate::server::session_start::start_session;
    use crate::server::state::app_state;

    let state = app_state()?;
    let binding = TokenBinding::of_this_request(&state)?;
    let now = crate::server::now_unix();
    let client = client_key(&state.trusted_proxies)?;
    let name = LoginName::resolve(&state, &username).await?;
    let origin = Origin::current(&state);
    let known = name.account.as_ref().map(|u| u.id.clone());
    // Failures are recorded for existing accounts only: names nobody has would let anyone grow
    // the table at the rate of the per-address throttle.
    let failed = |reason: &'static str| {
        let (origin, known, state) = (&origin, known.clone(), &state);
        async move {
            let Some(user_id) = known.as_deref() else {
                return Ok(());
            };
            let event = NewEvent::by_user(EventKind::LoginFailed, user_id, origin, now)
                .actor(None)
                .reason(reason);
            audit::record_alone(state, &event).await
        }
    };
    let attempt = match LoginAttempt::admit(&state, &client, name.account_key.as_deref(), now).await
    {
        Ok(attempt) => attempt,
        Err(refused) => {
            crate::server::metrics_names::login("locked");
            failed("locked").await?;
            return Err(refused);
        }
    };
    let locked = attempt.locked_account;
    let account = name.account.clone();
    match check_password(&state, name.account, password).await? {
        Some(user) if user.disabled_at.is_some() => {
            crate::server::metrics_names::login("disabled");
            failed("account_disabled").await?;
            Err(crate::server::session_start::account_disabled())
        }
        Some(user) => {
            let methods = crate::server::mfa::challenge::methods(&state, &user).await?;
            if !methods.is_empty() {
                attempt.password_passed(&state).await?;
                tracing::info!(user_id = %user.id, "password accepted, second factor required");
                crate::server::metrics_names::login("mfa_required");
                let challenge = crate::server::mfa::challenge::start(&state, &user, methods, now);
                return Err(challenge.await?);
            }
            attempt.succeeded(&state).await?;
            tracing::info!(user_id = %user.id, "login succeeded");
            let started = start_session(&state, &user, binding).await;
            if started.is_ok() {
                crate::server::metrics_names::login("succeeded");
            }
            started
        }
        None => {
            tracing::info!("login failed");
            crate::server::metrics_names::login("failed");
            if locked {
                crate::server::metrics_names::lock();
            }
            failed("wrong_password").await?;
            if let (true, Some(user)) = (locked, account) {
                let event =
                    NewEvent::by_user(EventKind::AccountLocked, &user.id, &origin, now).actor(None);
                audit::record_alone(&state, &event).await?;
                notices::account_locked(&state, &user, now).await?;
            }
            Err(ApiError::invalid_credentials())
        }
    }
}

/// Ends the session on this device: its refresh family is revoked (found from the refresh cookie,
/// or from the access token's `sid`) and the cookie is cleared. Idempotent; never fails for a
/// missing or stale session. An access token already handed out keeps verifying on stateless
/// endpoints until its `exp` (at most the access-token lifetime); sensitive endpoints refuse it
/// at once.
#[server(prefix = "/api", endpoint = "auth/logout", input = Json, client = ApiClient)]
pub async fn logout() -> Result<LoggedOut, ApiError> {
    use crate::server::cookies::{clear_refresh_cookie, presented_refresh_token};
    use crate::server::db::refresh_families::{self as store, RevokeReason};
    use crate::server::state::app_state;

    let state = app_state()?;
    let now = crate::server::now_unix();
    let mut family_id = None;
    if let Some(token) = presented_refresh_token(&state.refresh_cookie)? {
        let hash = crate::server::secret_token::hash(&token);
        family_id = store::find_token(&state.db, &hash)
            .await?
            .map(|t| t.family_id);
    }
    if family_id.is_none() {
        family_id = crate::server::guard::require_user()
            .await
            .ok()
            .map(|c| c.sid);
    }
    if let Some(id) = family_id {
        let reason = RevokeReason::Logout;
        if store::revoke_family(&state.db, &id, reason, now).await? {
            if let Some(family) = store::find_family(&state.db, &id).await? {
                let (user, why) = (&family.user_id, reason.as_str());
                crate::server::audit::session_ended(&state, user, Some(&id), why, now).await?;
            }
        }
    }
    clear_refresh_cookie(&state.refresh_cookie);
    Ok(LoggedOut { logged_out: true })
}

/// Ends every session of the caller, this one included, and any login still in flight. Needs
/// a live session.
#[server(prefix = "/api", endpoint = "auth/logout-all", input = Json, client = ApiClient)]
pub async fn logout_all() -> Result<SessionsEnded, ApiError> {
    use crate::server::cookies::clear_refresh_cookie;
    use crate::server::db::{refresh_families::RevokeReason, users};
    use crate::server::state::app_state;

    let claims = crate::server::guard::require_live_session().await?;
    let state = app_state()?;
    let now = crate::server::now_unix();
    let reason = RevokeReason::LogoutAll;
    let ended = users::change_credentials(&state.db, &claims.sub, None, None, reason, now).await?;
    let why = reason.as_str();
    crate::server::audit::session_ended(&state, &claims.sub, None, why, now).await?;
    clear_refresh_cookie(&state.refresh_cookie);
    Ok(SessionsEnded { ended })
}
