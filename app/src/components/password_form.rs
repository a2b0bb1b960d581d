//! Change the password: needs the current one, and a current code when the second factor is on;
//! ends every other session.

use leptos::prelude::*;

use crate::api::password::change_password;
use crate::auth_context::use_auth;
use crate::components::account_details::{mfa_enabled, AccountResource};
use crate::components::code_fields::{typed_code, StepUpCodeField};
use crate::policy::PASSWORD_MAX_CHARS;

#[component]
pub fn PasswordForm(details: AccountResource) -> impl IntoView {
    let auth = use_auth();
    let mfa_enabled = mfa_enabled(details);
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let action = Action::new_local(move |(c, n, code): &(String, String, Option<String>)| {
        let (c, n, code) = (c.clone(), n.clone(), code.clone());
        async move {
            auth.with_session(|| change_password(c.clone(), n.clone(), code.clone()))
                .await
        }
    });
    let pending = action.pending();
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);

    Effect::new(move |_| match action.value().get() {
        Some(Ok(ended)) => {
            current.set(String::new());
            new.set(String::new());
            code.set(String::new());
            // A recovery code given as the code is spent: the two-factor card's count changes.
            details.refetch();
            done.set(Some(format!(
                "Password changed. {} other session(s) signed out.",
                ended.ended
            )));
        }
        Some(Err(err)) => error.set(Some(err.message)),
        None => {}
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        done.set(None);
        let code = Some(typed_code(&code.get_untracked())).filter(|_| mfa_enabled.get_untracked());
        action.dispatch_local((current.get_untracked(), new.get_untracked(), code));
    };

    view! {
        <form class="card form" method="post" action="/account" on:submit=submit novalidate>
            <h2>"Change password"</h2>
            <div class="field">
                <label for="current-password">"Current password"</label>
                <input id="current-password" type="password" autocomplete="current-password" required
                    maxlength=PASSWORD_MAX_CHARS bind:value=current />
            </div>
            <div class="field">
                <label for="new-password">"New password"</label>
                <input id="new-password" type="password" autocomplete="new-password" required
                    maxlength=PASSWORD_MAX_CHARS bind:value=new />
            </div>
            {move || mfa_enabled.get().then(|| view! { <StepUpCodeField id="password-code" value=code /> })}
            <p class="form-error" role="alert">{move || error.get()}</p>
            <p class="notice-inline" role="status">{move || done.get()}</p>
            <button type="submit" class="button button-primary" disabled=move || pending.get()
                aria-busy=move || pending.get().to_string()>
                {move || if pending.get() { "Changing…" } else { "Change password" }}
            </button>
        </form>
    }
}
