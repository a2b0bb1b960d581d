//! The second step of a login: the `mfa_token` a correct password earns, and finishing it.

use super::step_up::{check_and_use, invalid_mfa_code, Proof, Used};
use super::{CHALLENGE_TTL_SECS, MAX_CODE_FAILURES};
use crate::error::{ApiError, ErrorCode, MfaChallenge};
use crate::server::audit::{self, EventKind, NewEvent, Origin};
use crate::server::db::mfa;
use crate::server::db::users::{self, UserRecord};
use crate::server::secret_token;
use crate::server::state::AppState;
use crate::server::throttle;

/// Issues a challenge for `user` (whose password was just checked; `methods` from
/// [`methods`], not empty) and returns the 403 `mfa_required` answer that carries it.
pub async fn start(
    state: &AppState,
    user: &UserRecord,
    methods: Vec<String>,
    now: i64,
) -> Result<ApiError, ApiError> {
    let token = secret_token::generate();
    let hash = secret_token::hash(&token);
    let version = user.credentials_version;
    mfa::create_challenge(&state.db, &hash, &user.id, version, now, CHALLENGE_TTL_SECS).await?;
    let mut answer = ApiError::new(
        ErrorCode::MfaRequired,
        "Enter the code from your authenticator app",
    );
    if methods.first().map(String::as_str) == Some("passkey") {
        answer.message = "Use your passkey to finish signing in".into();
    }
    answer.mfa = Some(MfaChallenge {
        mfa_token: token,
        methods,
    });
    Ok(answer)
}

/// What can finish `user`'s password login: `totp` and `recovery_code` with a TOTP factor,
/// `passkey` with a passkey. Empty: the password alone logs in.
pub async fn methods(state: &AppState, user: &UserRecord) -> Result<Vec<String>, ApiError> {
    let mut methods = Vec::new();
    if mfa::has_confirmed_totp(&state.db, &user.id).await? {
        methods.extend(["totp".to_owned(), "recovery_code".to_owned()]);
    }
    if crate::server::db::passkeys::count(&state.db, &user.id).await? > 0 {
        methods.push("passkey".to_owned());
    }
    Ok(methods)
}

/// The account a live challenge is for, without using it up (to start a passkey ceremony for
/// its second step). 401 `invalid_mfa_token`.
pub async fn peek(state: &AppState, mfa_token: &str, now: i64) -> Result<UserRecord, ApiError> {
    if !secret_token::is_well_formed(mfa_token) {
        return Err(invalid_mfa_token());
    }
    let hash = secret_token::hash(mfa_token);
    let challenge = mfa::find_challenge(&state.db, &hash, MAX_CODE_FAILURES, now)
        .await?
        .ok_or_else(invalid_mfa_token)?;
    users::find_by_id(&state.db, &challenge.user_id)
        .await?
        .filter(|u| u.credentials_version == challenge.credentials_version)
        .ok_or_else(invalid_mfa_token)
}

/// Finishes a login: the challenge must be live and the proof right. Each try counts in the
/// account's login throttle; a wrong code also counts against the challenge, which dies after
/// `MAX_CODE_FAILURES`. On success the challenge and the proof are used up in one transaction,
/// and the account (as it is now) is returned.
pub async fn finish(
    state: &AppState,
    mfa_token: &str,
    proof: Proof<'_>,
    now: i64,
) -> Result<(UserRecord, Used), ApiError> {
    let user = peek(state, mfa_token, now).await?;
    let hash = secret_token::hash(mfa_token);
    let bucket = throttle::account_bucket(&user.username.to_ascii_lowercase());
    let policy = &state.throttle;
    throttle::admit(&state.db, policy, &bucket, policy.login_max_failures, now).await?;

    let mut tx = state.db.pool.begin().await?;
    let Some(used) = check_and_use(&mut tx, state, &user, proof, now).await? else {
        drop(tx);
        mfa::fail_challenge(&state.db, &hash).await?;
        crate::server::metrics_names::second_factor("failed");
        let origin = Origin::current(state);
        let event = NewEvent::by_user(EventKind::MfaFailed, &user.id, &origin, now)
            .actor(None)
            .reason("wrong_code");
        audit::record_alone(state, &event).await?;
        return Err(invalid_mfa_code());
    };
    if !mfa::consume_challenge(&mut tx, &hash, MAX_CODE_FAILURES, now).await? {
        return Err(invalid_mfa_token());
    }
    let reason = match used {
        Used::Totp => "totp",
        Used::RecoveryCode => "recovery_code",
        Used::Passkey => "passkey",
    };
    let origin = Origin::current(state);
    let event = NewEvent::by_user(EventKind::MfaPassed, &user.id, &origin, now).reason(reason);
    audit::record(&mut tx, &event).await?;
    tx.commit().await?;
    crate::server::metrics_names::second_factor("passed");
    throttle::clear(&state.db, &bucket).await?;
    Ok((user, used))
}

pub fn invalid_mfa_token() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidMfaToken,
        "This sign-in has expired. Enter your password again.",
    )
}
