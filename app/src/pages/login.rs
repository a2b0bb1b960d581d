use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::auth::login;
use crate::auth_context::use_auth;
use crate::components::credentials_form::{use_credentials_submit, Credentials, CredentialsForm};
use crate::next_path::safe_next;
use crate::workarounds::SyncHydrate;

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    let submit = use_credentials_submit(
        |c: Credentials| login(c.username, c.password),
        move |response| {
            auth.logged_in(response.access_token);
            let next = query.with_untracked(|q| safe_next(q.get("next").as_deref()));
            navigate(&next, Default::default());
        },
    );
    let needs_js = move || query.with(|q| q.get("js").is_some());

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
                username_or_email=true
                forgot_password_link=true
                pending=submit.pending
                error=submit.error
                on_submit=submit.on_submit
            />
            <p class="switch">"New here? "<a href="/signup">"Create an account"</a></p>
        </section>
    })
}
