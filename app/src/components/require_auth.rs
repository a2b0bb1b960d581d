//! Page guard (UX only: every protected server function checks the token itself).
//!
//! Renders a neutral "checking" state during SSR and until the browser has read storage, then
//! either the page or a redirect to `/login?next=<this page>`. It never redirects during SSR,
//! where a logged-in user cannot be recognised.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use crate::auth_context::use_auth;
use crate::next_path::login_url_for;

#[component]
pub fn RequireAuth(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let navigate = use_navigate();

    Effect::new(move |_| {
        if auth.ready() && !auth.is_logged_in() {
            let path = location.pathname.get_untracked();
            let search = location.search.get_untracked();
            let here = if search.is_empty() {
                path
            } else {
                format!("{path}?{search}")
            };
            navigate(
                &login_url_for(&here),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });

    view! {
        <Show
            when=move || auth.ready() && auth.is_logged_in()
            fallback=|| {
                view! {
                    <div class="checking" role="status" aria-live="polite">
                        <span class="spinner" aria-hidden="true"></span>
                        "Checking your session…"
                    </div>
                }
            }
        >
            {children()}
        </Show>
    }
}
