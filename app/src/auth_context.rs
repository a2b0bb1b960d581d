//! `provide_auth()`: the one place the UI learns who is logged in.
//!
//! During SSR nobody is known (storage is browser-only), so `ready` starts false on both sides and
//! becomes true after hydration, when an effect has read the token. Pages that depend on the
//! session render a neutral "checking" state until then, so SSR and hydration always agree.

use leptos::prelude::*;

use crate::client::{session, token_store};

#[derive(Clone, Copy)]
pub struct AuthContext {
    token: RwSignal<Option<String>>,
    ready: RwSignal<bool>,
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

    /// Keeps a freshly issued token.
    pub fn logged_in(&self, token: String) {
        token_store::save(&token);
        self.token.set(Some(token));
    }

    /// Forgets the token: storage is cleared, every guarded page redirects to login.
    pub fn logged_out(&self) {
        token_store::clear();
        self.token.set(None);
    }
}

pub fn provide_auth() {
    let ctx = AuthContext {
        token: RwSignal::new(None),
        ready: RwSignal::new(false),
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
            let due = ctx.token.with_untracked(|t| {
                t.as_deref()
                    .is_some_and(|t| session::refresh_due(t, crate::time_fmt::now_secs()))
            });
            if due && !refreshing.get_value() {
                refreshing.set_value(true);
                leptos::task::spawn_local(async move {
                    session::refresh_now(ctx).await;
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
                ctx.token.set(token_store::load());
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
