//! `/reset-password?token=...`: choose a new password with the link from a reset mail.
//!
//! Opening the page sends nothing: the token is read from the address bar only when the form is
//! submitted, and goes nowhere but the body of that one request (never logged, never stored).
//! Success logs in like the login page and replaces this page in the history, so "Back" does not
//! return to a used link.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::password_reset::confirm_password_reset;
use crate::auth_context::use_auth;
use crate::components::credentials_form::PASSWORD_HINT;
use crate::components::needs_js::NeedsJsNotice;
use crate::error::{ApiError, ErrorCode};
use crate::next_path::DEFAULT_AFTER_LOGIN;
use crate::policy::PASSWORD_MAX_CHARS;
use crate::workarounds::{show_when, SyncHydrate};

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let action = Action::new(|(token, password): &(String, String)| {
        confirm_password_reset(token.clone(), password.clone())
    });
    let pending = action.pending();
    let error = RwSignal::new(None::<ApiError>);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(response)) => {
            auth.logged_in(response.access_token);
            let replace = NavigateOptions {
                replace: true,
                ..Default::default()
            };
            navigate(DEFAULT_AFTER_LOGIN, replace);
        }
        Some(Err(err)) => error.set(Some(err)),
        None => {}
    });
    let has_token = move || query.with(|q| q.get("token").is_some_and(|t| !t.is_empty()));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let new_password = password.get_untracked();
        if new_password != confirm.get_untracked() {
            error.set(Some(ApiError::invalid_input(
                "The two passwords do not match",
            )));
            return;
        }
        error.set(None);
        let token = query.with_untracked(|q| q.get("token")).unwrap_or_default();
        action.dispatch((token, new_password));
    };

    SyncHydrate(view! {
        <Title text="Choose a new password · Tokengate" />
        <section class="narrow">
            <h1>"Choose a new password"</h1>
            <NeedsJsNotice />
            {show_when(
                has_token,
                move || view! {
                    <p class="muted">"Setting a new password signs out every session of your account and logs you in here."</p>
                    <form class="card form" method="post" on:submit=submit novalidate>
                        <div class="field">
                            <label for="new-password">"New password"</label>
                            <input id="new-password" type="password" autocomplete="new-password" required
                                maxlength=PASSWORD_MAX_CHARS aria-describedby="password-hint" bind:value=password />
                            <p class="hint" id="password-hint">{PASSWORD_HINT}</p>
                        </div>
                        <div class="field">
                            <label for="confirm-password">"Repeat the new password"</label>
                            <input id="confirm-password" type="password" autocomplete="new-password" required
                                maxlength=PASSWORD_MAX_CHARS bind:value=confirm />
                        </div>
                        <p class="form-error" role="alert">
                            {move || error.get().map(|err| {
                                if err.error == ErrorCode::InvalidResetToken {
                                    Either::Left(view! {
                                        {err.message} " " <a href="/forgot-password">"Get a new link"</a>
                                    })
                                } else {
                                    Either::Right(err.message)
                                }
                            })}
                        </p>
                        <button type="submit" class="button button-primary button-block"
                            disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
                            {move || if pending.get() { "Sending…" } else { "Set new password" }}
                        </button>
                    </form>
                },
                || view! {
                    <p class="form-error" role="alert">
                        "This page needs the link from your reset e-mail. "
                        <a href="/forgot-password">"Get a new link"</a>
                    </p>
                },
            )}
            <p class="switch"><a href="/login">"Back to log in"</a></p>
        </section>
    })
}
