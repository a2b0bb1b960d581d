//! The account page's one copy of `GET /api/account`, shared by its cards: a change made in one
//! (turning the second factor on, spending a recovery code on a password change) shows in all of
//! them after a single refetch.

use leptos::prelude::*;

use crate::api::account::account;
use crate::api::AccountDetails;
use crate::auth_context::use_auth;
use crate::error::ApiError;

/// Browser-only (a `LocalResource`): the token is in storage, which SSR cannot see.
pub type AccountResource = LocalResource<Result<AccountDetails, ApiError>>;

/// Fetches the account (refreshing the session once on 401). Create it only where the user is
/// known to be logged in, inside `RequireAuth`.
pub fn account_resource() -> AccountResource {
    let auth = use_auth();
    LocalResource::new(move || auth.with_session(account))
}

/// True once the loaded account has a second factor on (false while loading or on error), for
/// the forms that must then ask for a current code.
pub fn mfa_enabled(details: AccountResource) -> Signal<bool> {
    Signal::derive(move || {
        details
            .get()
            .is_some_and(|r| r.is_ok_and(|account| account.mfa_enabled))
    })
}
