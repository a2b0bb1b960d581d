//! `/login`: the password step (with a passkey sign-in under it: `PasskeySignIn`), then, for an
//! account with a second factor, its step (`SecondFactorForm`: a code or a passkey) in its place.
//! Every way ends the same: the token is kept and the browser goes to `next`.
//!
//! The second step's code is a WASM chunk of its own (`second_factor_step`), fetched when a
//! password login asks for it: most logins never show it, so the first page does not carry it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::auth::login;
use crate::api::TokenResponse;
use crate::auth_context::use_auth;
use crate::components::credentials_form::{
    use_credentials_submit_with, Credentials, CredentialsForm,
};
use crate::components::passkey_sign_in::PasskeySignIn;
use crate::components::second_factor_form::second_factor_step;
use crate::error::{ApiError, ErrorCode, MfaChallenge};
use crate::next_path::safe_next;
use crate::workarounds::{show_when, SyncHydrate};

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    let logged_in = Callback::new(move |response: TokenResponse| {
        auth.logged_in(response.access_token);
        let next = query.with_untracked(|q| safe_next(q.get("next").as_deref()));
        navigate(&next, Default::default());
    });
    // Set by a right password for an account with a second factor: the code step replaces the form.
    let challenge = RwSignal::new(None::<MfaChallenge>);
    // Kept while the code step is on show, for a return to the password step.
    let username = RwSignal::new(String::new());
    let back_to_password = RwSignal::new(false);
    let submit = use_credentials_submit_with(
        |c: Credentials| login(c.username, c.password),
        move |response| logged_in.run(response),
        move |err: ApiError| match err.mfa {
            Some(next_step) if err.error == ErrorCode::MfaRequired => {
                challenge.set(Some(next_step));
                None
            }
            _ => Some(err.message),
        },
    );
    let on_back = Callback::new(move |message: Option<&'static str>| {
        submit.error.set(message.map(str::to_owned));
        back_to_password.set(true);
        challenge.set(None);
    });
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
            // Each step in a SyncHydrate, which also boxes its server `resolve` future: nested
            // in one, the page's future is deeper than rustc's default recursion limit.
            {show_when(
                move || challenge.with(Option::is_none),
                move || SyncHydrate(view! {
                    <CredentialsForm
                        passkey_autofill=true
                        fallback_action="/login"
                        submit_label="Log in"
                        pending_label="Logging in…"
                        password_autocomplete="current-password"
                        username_or_email=true
                        forgot_password_link=true
                        username=username
                        focus_password=back_to_password.get_untracked()
                        pending=submit.pending
                        error=submit.error
                        on_submit=submit.on_submit
                    />
                    <PasskeySignIn on_success=logged_in />
                }),
                move || challenge.get_untracked().map(|challenge| SyncHydrate(Suspend::new(
                    second_factor_step(challenge, logged_in, on_back),
                ))),
            )}
            <p class="switch">"New here? "<a href="/signup">"Create an account"</a></p>
        </section>
    })
}
