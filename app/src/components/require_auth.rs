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
use crate::workarounds::show_when;
use crate::workarounds::SyncHydrate;

#[component]
pub fn RequireAuth<C>(
    /// The path of the page being protected (where to come back after logging in); built by
    /// pages whose path has a parameter (`/admin/users/<id>`).
    #[prop(into)]
    path: String,
    /// Typed (not `ChildrenFn`): an erased page would keep all its rendering code in the WASM.
    children: TypedChildrenFn<C>,
) -> impl IntoView
where
    C: IntoView + 'static,
{
    let auth = use_auth();
    let location = use_location();
    let navigate = use_navigate();

    Effect::new(move |_| {
        if auth.ready() && !auth.is_logged_in() {
            // After a logout the app may already be navigating elsewhere: that navigation wins.
            if location.pathname.get_untracked() != path {
                return;
            }
            let here = match location.search.get_untracked() {
                search if search.is_empty() => path.clone(),
                search => format!("{path}?{search}"),
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

    let children = children.into_inner();
    show_when(
        move || auth.ready() && auth.is_logged_in(),
        // SyncHydrate also boxes the server's `resolve` future here, as the erased children did:
        // unbroken, a whole page nests deeper than rustc's default recursion limit.
        move || SyncHydrate(children()),
        || {
            view! {
                <div class="checking" role="status" aria-live="polite">
                    <span class="spinner" aria-hidden="true"></span>
                    "Checking your session…"
                </div>
            }
        },
    )
}
