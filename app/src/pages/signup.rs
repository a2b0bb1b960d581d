//! `/signup`: a username, a password and an optional e-mail address; or, switched to, the same
//! without a password, the new account's passkey made by the browser (`PasskeySignupForm`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::auth::signup;
use crate::auth_context::use_auth;
use crate::components::credentials_form::{
    use_credentials_submit, Credentials, CredentialsForm, PASSWORD_HINT,
};
use crate::components::passkey_signup_form::PasskeySignupForm;
use crate::next_path::DEFAULT_AFTER_LOGIN;
use crate::workarounds::{show_when, SyncHydrate};

#[component]
pub fn SignupPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    let signed_up = Callback::new(move |response: crate::api::TokenResponse| {
        auth.logged_in(response.access_token);
        navigate(DEFAULT_AFTER_LOGIN, Default::default());
    });
    let submit = use_credentials_submit(
        |c: Credentials| signup(c.username, c.password, c.email),
        move |response| signed_up.run(response),
    );
    // The username typed survives a switch between the two ways.
    let username = RwSignal::new(String::new());
    let with_passkey = RwSignal::new(false);
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
            {show_when(
                move || with_passkey.get(),
                move || SyncHydrate(view! { <PasskeySignupForm username=username on_success=signed_up /> }),
                move || SyncHydrate(view! {
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
                        username=username
                    />
                }),
            )}
            <p class="switch-method">
                <button type="button" class="link-button" on:click=move |_| with_passkey.update(|on| *on = !*on)>
                    {move || if with_passkey.get() {
                        "Sign up with a password instead"
                    } else {
                        "Sign up with a passkey instead"
                    }}
                </button>
            </p>
            <p class="switch">"Already have an account? "<a href="/login">"Log in"</a></p>
        </section>
    })
}
