//! The security boundary: every protected server function and route calls `require_user` (or
//! uses the `AuthUser` extractor), which verifies the `Authorization: Bearer` token itself. A
//! missing or bad token is always a 401 `invalid_token`, never a silent anonymous user.

use super::dpop::Scheme;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::state::AppState;
use super::tokens::AccessClaims;
use crate::error::ApiError;

/// Verifies the access token of a request (once per distinct token: see `tokens::cache`): an
/// unbound one as `Authorization: Bearer`, one bound to a key as `Authorization: DPoP` with a
/// proof by that key for this request (see `dpop`). Never touches the database.
pub async fn authenticate(state: &AppState, parts: &Parts) -> Result<AccessClaims, ApiError> {
    let (scheme, token) = presented_token(parts)?;
    let claims = verify_token(state, scheme, token).await?;
    let jkt = claims.cnf.as_ref().map(|c| c.jkt.as_str());
    let proof = super::dpop::check_presentation(state, parts, scheme, jkt)?;
    if let Some(proof) = proof {
        proof.check(state, token).await?;
    }
    Ok(claims)
}

/// The scheme and token of the `Authorization` header.
fn presented_token(parts: &Parts) -> Result<(Scheme, &str), ApiError> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(ApiError::invalid_token)?
        .to_str()
        .map_err(|_| ApiError::invalid_token())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(ApiError::invalid_token)?;
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Scheme::Dpop
    } else {
        return Err(ApiError::invalid_token());
    };
    Ok((scheme, token.trim()))
}

/// The token's claims if it verifies (from the cache, or with its signature checked in a batch).
async fn verify_token(
    state: &AppState,
    scheme: Scheme,
    token: &str,
) -> Result<AccessClaims, ApiError> {
    let now = super::now_unix();
    let cached = state
        .verified_tokens
        .cached(&state.keys.load(), &state.token_policy, token, now);
    if let Some(claims) = cached {
        return Ok(claims);
    }
    // Held across the signature check: a key reload meanwhile does not pull the key away.
    let keys = state.keys.load_full();
    state
        .verified_tokens
        .verify(&keys, &state.token_policy, token, now, &state.signatures)
        .await
        .map_err(|reason| {
            tracing::debug!(%reason, "access token rejected");
            match scheme {
                Scheme::Bearer => ApiError::invalid_token(),
                Scheme::Dpop => super::dpop::dpop_token("The access token is not valid"),
            }
        })
}

/// The caller's claims, once verified in this request: a server function that checks the caller
/// twice (a live session, then step-up) must not present the request's DPoP proof twice, which
/// would be a replay.
#[derive(Clone)]
struct Authenticated(AccessClaims);

/// For server functions: the verified claims of the caller (verified once per request), or 401.
pub async fn require_user() -> Result<AccessClaims, ApiError> {
    if let Some(Authenticated(claims)) = leptos::prelude::use_context::<Authenticated>() {
        return Ok(claims);
    }
    let state = super::state::app_state()?;
    // Read in place from the request parts Leptos keeps in the context (extracting a `HeaderMap`
    // would copy every header of every request first); only the token is copied, to be verified
    // across an await, then the DPoP proof is checked on the parts again.
    let (scheme, token) = super::request::with_parts(|parts| {
        presented_token(parts).map(|(scheme, token)| (scheme, token.to_owned()))
    })??;
    let claims = verify_token(&state, scheme, &token).await?;
    let jkt = claims.cnf.as_ref().map(|c| c.jkt.as_str());
    let proof = super::request::with_parts(|parts| {
        super::dpop::check_presentation(&state, parts, scheme, jkt)
    })??;
    if let Some(proof) = proof {
        proof.check(&state, &token).await?;
    }
    leptos::prelude::provide_context(Authenticated(claims.clone()));
    Ok(claims)
}

/// For sensitive server functions: the token must also belong to a session that is still live
/// (not logged out, not revoked), checked in the database. A token of an ended session is
/// refused at once here, instead of at its `exp`.
pub async fn require_live_session() -> Result<AccessClaims, ApiError> {
    let claims = require_user().await?;
    let state = super::state::app_state()?;
    ensure_live(&state, &claims).await?;
    Ok(claims)
}

/// 401 unless the session of `claims` is live.
pub async fn ensure_live(state: &AppState, claims: &AccessClaims) -> Result<(), ApiError> {
    let family = super::db::refresh_families::find_family(&state.db, &claims.sid).await?;
    match family {
        Some(f)
            if f.user_id == claims.sub
                && super::refresh_rotation::is_live(&f, &state.sessions, super::now_unix()) =>
        {
            Ok(())
        }
        _ => Err(ApiError::invalid_token()),
    }
}

/// A live session and its account as the database has it now.
pub async fn live_account(
) -> Result<(AppState, AccessClaims, super::db::users::UserRecord), ApiError> {
    let claims = require_live_session().await?;
    let state = super::state::app_state()?;
    let user = super::db::users::find_by_id(&state.db, &claims.sub)
        .await?
        .ok_or_else(ApiError::invalid_token)?;
    Ok((state, claims, user))
}

/// A caller who has just given their password again.
pub struct Reauthenticated {
    pub state: AppState,
    pub claims: AccessClaims,
    pub user: super::db::users::UserRecord,
}

/// For changes that need the password again (password or e-mail change, account deletion, the
/// second factor's settings): a live session, the caller's current password and, when a second
/// factor is on, a current code from it (`code`: TOTP or recovery code). Wrong guesses are
/// throttled per session, so a stolen access token cannot be used to find the password, and a
/// lock on the account's login (someone else guessing) never blocks its owner.
pub async fn reauthenticate(
    password: String,
    code: Option<String>,
) -> Result<Reauthenticated, ApiError> {
    use super::response::internal;
    use super::throttle;

    let (state, claims, user) = live_account().await?;
    let now = super::now_unix();
    let bucket = throttle::reauth_bucket(&claims.sid);
    let max = state.throttle.login_max_failures;
    throttle::admit(&state.db, &state.throttle, &bucket, max, now).await?;
    let password = super::credentials::Password::for_login(password)?;
    let stored = user.password_to_verify();
    let verified = state
        .passwords
        .verify(password, stored)
        .await
        .map_err(internal)?;
    if !verified {
        return Err(ApiError::new(
            crate::error::ErrorCode::InvalidCredentials,
            "The current password is not correct",
        ));
    }
    super::mfa::step_up::require_current_code(&state, &user, code.as_deref(), now).await?;
    throttle::clear(&state.db, &bucket).await?;
    Ok(Reauthenticated {
        state,
        claims,
        user,
    })
}

/// For plain axum routes: `AuthUser(claims)` or a 401 response.
pub struct AuthUser(pub AccessClaims);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(state, parts).await.map(AuthUser)
    }
}
