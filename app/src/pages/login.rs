use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::auth::login;
use crate::auth_context::use_auth;
use crate::components::credentials_form::CredentialsForm;
use crate::components::sync_hydrate::SyncHydrate;
use crate::next_path::safe_next;

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    // A plain `Action`, not `ServerAction`: that one also reads errors from the URL for
    // `<ActionForm>`'s no-JavaScript redirects, which this app does not use (its forms fall back
    // to a "JavaScript needed" page), and that decoder is several KB of WASM.
    let action = Action::new(|(username, password): &(String, String)| {
        login(username.clone(), password.clone())
    });
    let error = RwSignal::new(None::<String>);
    let needs_js = move || query.with(|q| q.get("js").is_some());

    Effect::new(move |_| match action.value().get() {
        Some(Ok(response)) => {
            auth.logged_in(response.access_token);
            let next = query.with_untracked(|q| safe_next(q.get("next").as_deref()));
            navigate(&next, Default::default());
        }
        Some(Err(err)) => error.set(Some(err.message)),
        None => {}
    });

    let on_submit = Callback::new(move |(username, password): (String, String)| {
        error.set(None);
        action.dispatch((username, password));
    });

    SyncHydrate(view! {
        <Title text="Log in · Tokengate" />
        <section class="narrow">
            <h1>"Log in"</h1>
            <Show when=needs_js>
                <p class="notice" role="status">
                    "Tokengate keeps your session token in this browser, which needs JavaScript. Please enable it and try again."
                </p>
            </Show>
            <CredentialsForm
                fallback_action="/login"
                submit_label="Log in"
                pending_label="Logging in…"
                password_autocomplete="current-password"
                pending=action.pending()
                error=error
                on_submit=on_submit
            />
            <p class="switch">"New here? "<a href="/signup">"Create an account"</a></p>
        </section>
    })
}
