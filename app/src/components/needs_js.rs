//! The notice a page shows after its form was posted without JavaScript (the server answers such
//! a POST with a redirect to `?js=required`): Tokengate keeps the session token in the browser,
//! so nothing works without scripts, and credentials never end up in a URL.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

pub const NEEDS_JS: &str = "Tokengate keeps your session token in this browser, which needs JavaScript. Please enable it and try again.";

#[component]
pub fn NeedsJsNotice() -> impl IntoView {
    let query = use_query_map();
    let needs_js = move || query.with(|q| q.get("js").is_some());
    view! {
        <Show when=needs_js>
            <p class="notice" role="status">{NEEDS_JS}</p>
        </Show>
    }
}
