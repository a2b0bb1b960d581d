//! `/forgot-password`: asks for a reset link. The answer shown is the same for every address
//! (known or not, verified or not), so the page cannot be used to find out who has an account.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::password_reset::request_password_reset;
use crate::components::needs_js::NeedsJsNotice;
use crate::policy::EMAIL_MAX_CHARS;
use crate::workarounds::{show_when, SyncHydrate};

/// Shown after every accepted request, whatever the address.
pub const SENT_NOTICE: &str =
    "If an account has this verified address, a link is on its way. It works for 30 minutes.";

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let action = Action::new(|email: &String| request_password_reset(email.clone()));
    let pending = action.pending();
    let error = RwSignal::new(None::<String>);
    let sent = RwSignal::new(false);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(_)) => sent.set(true),
        Some(Err(err)) => error.set(Some(err.message)),
        None => {}
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        action.dispatch(email.get_untracked().trim().to_owned());
    };

    SyncHydrate(view! {
        <Title text="Forgot password · Tokengate" />
        <section class="narrow">
            <h1>"Forgot your password?"</h1>
            <NeedsJsNotice />
            {show_when(
                move || sent.get(),
                || view! {
                    <p class="notice" role="status" data-testid="reset-sent">{SENT_NOTICE}</p>
                },
                move || view! {
                    <p class="muted">
                        "Enter the verified e-mail address of your account and we will send you a link to choose a new password."
                    </p>
                    <form class="card form" method="post" action="/forgot-password" on:submit=submit novalidate>
                        <div class="field">
                            <label for="email">"E-mail address"</label>
                            <input id="email" name="email" type="email" autocomplete="email"
                                autocapitalize="none" spellcheck="false" required
                                maxlength=EMAIL_MAX_CHARS bind:value=email />
                        </div>
                        <p class="form-error" role="alert">{move || error.get()}</p>
                        <button type="submit" class="button button-primary button-block"
                            disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
                            {move || if pending.get() { "Sending…" } else { "Send reset link" }}
                        </button>
                    </form>
                },
            )}
            <p class="switch"><a href="/login">"Back to log in"</a></p>
        </section>
    })
}
