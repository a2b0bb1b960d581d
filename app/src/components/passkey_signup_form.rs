//! Sign-up without a password (the sign-up page's second way): a username and an optional
//! e-mail address, then the browser creates a passkey, which is the new account's way in.
//! Without WASM it posts like the password form, and the server asks for JavaScript.

use leptos::html::Input;
use leptos::prelude::*;

use crate::api::TokenResponse;
use crate::client::passkey_ceremonies::sign_up;
use crate::policy::{EMAIL_MAX_CHARS, USERNAME_MAX_CHARS, USERNAME_MIN_CHARS};

/// What the form sends.
#[derive(Clone)]
struct NewAccount {
    username: String,
    email: Option<String>,
}

#[component]
pub fn PasskeySignupForm(
    /// Shared with the password form, so switching keeps what was typed.
    username: RwSignal<String>,
    /// The login answer of the new account.
    on_success: Callback<TokenResponse>,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let username_ref = NodeRef::<Input>::new();
    // Shown when the user switched to it: the first field takes focus.
    Effect::new(move |_| {
        if let Some(input) = username_ref.get() {
            let _ = input.focus();
        }
    });
    let create = Action::new_local(|new: &NewAccount| {
        let NewAccount { username, email } = new.clone();
        sign_up(username, email, String::new())
    });
    let pending = create.pending();
    Effect::new(move |_| match create.value().get() {
        Some(Ok(response)) => on_success.run(response),
        Some(Err(err)) => error.set(err.message()),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        let email = email.get_untracked();
        create.dispatch_local(NewAccount {
            username: username.get_untracked(),
            email: Some(email).filter(|e| !e.trim().is_empty()),
        });
    };

    view! {
        <form class="card form" method="post" action="/signup" on:submit=submit novalidate
            aria-label="Sign up with a passkey" data-testid="passkey-signup">
            <p class="muted form-intro">
                "No password to choose: your browser creates a passkey for the new account, on this device, a phone or a security key."
            </p>
            <div class="field">
                <label for="passkey-username">"Username"</label>
                <input id="passkey-username" name="username" type="text" autocomplete="username"
                    autocapitalize="none" spellcheck="false" required minlength=USERNAME_MIN_CHARS
                    maxlength=USERNAME_MAX_CHARS node_ref=username_ref bind:value=username />
            </div>
            <div class="field">
                <label for="passkey-email">"E-mail " <span class="label-note">"(optional, for account recovery)"</span></label>
                <input id="passkey-email" name="email" type="email" autocomplete="email" autocapitalize="none"
                    spellcheck="false" maxlength=EMAIL_MAX_CHARS bind:value=email />
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <button type="submit" class="button button-primary button-block" disabled=move || pending.get()
                aria-busy=move || pending.get().to_string()>
                {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                {move || if pending.get() { "Waiting for your passkey…" } else { "Create account with a passkey" }}
            </button>
        </form>
    }
}
