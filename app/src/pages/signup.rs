use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::auth::signup;
use crate::auth_context::use_auth;
use crate::components::credentials_form::{
    use_credentials_submit, Credentials, CredentialsForm, PASSWORD_HINT,
};
use crate::next_path::DEFAULT_AFTER_LOGIN;
use crate::workarounds::SyncHydrate;

#[component]
pub fn SignupPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    let submit = use_credentials_submit(
        |c: Credentials| signup(c.username, c.password, c.email),
        move |response| {
            auth.logged_in(response.access_token);
            navigate(DEFAULT_AFTER_LOGIN, Default::default());
        },
    );
    let needs_js = move || query.with(|q| q.get("js").is_some());

    SyncHydrate(view! {
        <Title text="Sign up · Tokengate" />
        <section class="narrow">
            <h1>"Create your account"</h1>
            <Show when=needs_js>
                <p class="notice" role="status">
                    "Tokengate keeps your session token in this browser, which needs JavaScript. Please enable it and try again."
                </p>
            </Show>
            <CredentialsForm
                fallback_action="/signup"
                submit_label="Sign up"
                pending_label="Creating account…"
                password_autocomplete="new-password"
                pending=submit.pending
                error=submit.error
                on_submit=submit.on_submit
                password_hint=PASSWORD_HINT
                with_email=true
            />
            <p class="switch">"Already have an account? "<a href="/login">"Log in"</a></p>
        </section>
    })
}
