//! `provide_auth()`: the one place the UI learns who is logged in.
//!
//! During SSR nobody is known (storage is browser-only), so `ready` starts false on both sides and
//! becomes true after hydration, when an effect has read the token. Pages that depend on the
//! session render a neutral "checking" state until then, so SSR and hydration always agree.

use std::future::Future;

use leptos::prelude::*;

use crate::client::keep_alive::{self, Exchange};
use crate::client::{dpop, jwt_view, token_store};
use crate::error::{ApiError, ErrorCode};

/// The `role` of administrators (the server's `db::users::ADMIN_ROLE`).
pub const ADMIN_ROLE: &str = "admin";

#[derive(Clone, Copy)]
pub struct AuthContext {
    token: RwSignal<Option<String>>,
    ready: RwSignal<bool>,
    /// Browser time at which the current token arrived from the server (login, refresh, or
    /// another tab), so refreshes are scheduled on this clock whatever its offset; `None` for a
    /// token read from storage at page load.
    received_at: StoredValue<Option<i64>>,
}

impl AuthContext {
    /// The access token, if logged in (always `None` during SSR).
    pub fn token(&self) -> Option<String> {
        self.token.get()
    }

    /// True once the browser has read storage.
    pub fn ready(&self) -> bool {
        self.ready.get()
    }

    pub fn is_logged_in(&self) -> bool {
        self.token.with(Option::is_some)
    }

    /// True when the token's `role` claim says admin. Only for showing the admin link and the
    /// admin pages' chrome: the server checks the role in the database on every admin call.
    pub fn claims_admin(&self) -> bool {
        self.claim("role").as_deref() == Some(ADMIN_ROLE)
    }

    /// The user id (`sub`) the token names, for display only.
    pub fn claimed_user_id(&self) -> Option<String> {
        self.claim("sub")
    }

    fn claim(&self, name: &str) -> Option<String> {
        self.token
            .with(|t| t.as_deref().and_then(|t| jwt_view::claim_str(t, name)))
    }

    /// Keeps a freshly issued token.
    pub fn logged_in(&self, token: String) {
        token_store::save(&token);
        self.received_at
            .set_value(Some(crate::time_fmt::now_secs()));
        self.token.set(Some(token));
    }

    /// Keeps a refreshed token, unless the session was ended (in this tab or another) while the
    /// refresh was on its way: a late answer must not log a user back in.
    pub fn refreshed(&self, token: String) {
        if token_store::load().is_some() && self.token.with_untracked(|t| t.is_some()) {
            self.logged_in(token);
        }
    }

    /// Forgets the token: storage is cleared, every guarded page redirects to login, and this
    /// browser's DPoP key is deleted (the next login binds a new one).
    pub fn logged_out(&self) {
        token_store::clear();
        dpop::discard();
        self.received_at.set_value(None);
        self.token.set(None);
    }

    /// True when the current token should be refreshed now.
    fn refresh_due(&self) -> bool {
        let now = crate::time_fmt::now_secs();
        let received_at = self.received_at.get_value();
        self.token.with_untracked(|t| {
            t.as_deref()
                .is_some_and(|t| keep_alive::refresh_due(t, now, received_at))
        })
    }

    /// Exchanges the refresh cookie for a new access token. When the session is over the user is
    /// logged out; when the server is unreachable the current state is kept. True if renewed.
    pub async fn refresh_now(self) -> bool {
        match keep_alive::exchange().await {
            Exchange::Renewed(token) => {
                self.refreshed(token);
                true
            }
            Exchange::Ended => {
                self.logged_out();
                false
            }
            Exchange::Unreachable => false,
        }
    }

    /// Runs a protected call; on 401 `invalid_token` (or `invalid_dpop_proof`: this browser's
    /// key is not the token's, e.g. it was deleted), refreshes once and runs it again. A session
    /// whose key is gone cannot refresh either, and ends.
    pub async fn with_session<T, F, Fut>(self, call: F) -> Result<T, ApiError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        match call().await {
            Err(err) if refused_credentials(&err) => {
                if self.refresh_now().await {
                    call().await
                } else {
                    Err(err)
                }
            }
            other => other,
        }
    }
}

/// True for the refusals a refresh may cure: the token (`invalid_token`) or its proof
/// (`invalid_dpop_proof`).
fn refused_credentials(err: &ApiError) -> bool {
    matches!(
        err.error,
        ErrorCode::InvalidToken | ErrorCode::InvalidDpopProof
    )
}

pub fn provide_auth() {
    let ctx = AuthContext {
        token: RwSignal::new(None),
        ready: RwSignal::new(false),
        received_at: StoredValue::new(None),
    };
    provide_context(ctx);

    // Effects only run in the browser, after hydration.
    Effect::new(move |_| {
        ctx.token.set(token_store::load());
        ctx.ready.set(true);
        mark_hydrated();
    });

    // Refresh shortly before expiry, checked every second (browser only).
    Effect::new(move |_| {
        let refreshing = StoredValue::new(false);
        let tick = move || {
            if ctx.refresh_due() && !refreshing.get_value() {
                refreshing.set_value(true);
                leptos::task::spawn_local(async move {
                    ctx.refresh_now().await;
                    refreshing.set_value(false);
                });
            }
        };
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
            on_cleanup(move || handle.clear());
        }
    });

    // Another tab logged in or out: follow it.
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::storage, move |ev| {
            if ev.key().as_deref() == Some(token_store::ACCESS_TOKEN_KEY) || ev.key().is_none() {
                let token = token_store::load();
                let now = crate::time_fmt::now_secs();
                ctx.received_at.set_value(token.as_ref().map(|_| now));
                ctx.token.set(token);
            }
        });
        on_cleanup(move || handle.remove());
    }
}

/// Sets `data-hydrated="true"` on `<html>` once the app is interactive, so that tests (and
/// styles) can tell a hydrated page from the server-rendered HTML.
fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}

pub fn use_auth() -> AuthContext {
    expect_context::<AuthContext>()
}
