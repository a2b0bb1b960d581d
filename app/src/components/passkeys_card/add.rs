//! Adding a passkey: an optional name and the step-up, then the browser's own dialog creates
//! the passkey on this device (or a phone or security key), and the server keeps its public key.

use leptos::html::Input;
use leptos::prelude::*;

use super::step_up_fields::{StepUp, StepUpFields};
use super::CardState;
use crate::auth_context::use_auth;
use crate::client::passkey_ceremonies::{register, NewPasskey};
use crate::policy::PASSKEY_NAME_MAX_CHARS;

#[component]
pub fn AddPanel(state: CardState) -> impl IntoView {
    let auth = use_auth();
    let name = RwSignal::new(String::new());
    let step_up = StepUp::new();
    let error = RwSignal::new(None::<String>);
    let name_ref = NodeRef::<Input>::new();
    Effect::new(move |_| {
        if let Some(input) = name_ref.get() {
            let _ = input.focus();
        }
    });

    let add = Action::new_local(move |new: &NewPasskey| register(auth, new.clone()));
    let pending = add.pending();
    Effect::new(move |_| match add.value().get() {
        Some(Ok(info)) => state.on_done.run(format!("Passkey “{}” added.", info.name)),
        Some(Err(err)) => error.set(err.message()),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        let (password, code) = step_up.values(state);
        add.dispatch_local(NewPasskey {
            name: name.get_untracked().trim().to_owned(),
            password,
            code,
        });
    };

    view! {
        <form class="form form-flat" method="post" action="/account" on:submit=submit novalidate
            aria-labelledby="passkey-add-title">
            <h3 id="passkey-add-title">"Add a passkey"</h3>
            <p class="muted">
                {move || if state.has_password.get() {
                    "First, confirm it is you. Your browser then asks where to keep the passkey: this device, a phone or a security key."
                } else {
                    "Your browser asks where to keep the passkey: this device, a phone or a security key."
                }}
            </p>
            <div class="field">
                <label for="passkey-add-name">"Name " <span class="label-note">"(optional)"</span></label>
                <input id="passkey-add-name" type="text" autocomplete="off" maxlength=PASSKEY_NAME_MAX_CHARS
                    aria-describedby="passkey-add-name-hint" node_ref=name_ref bind:value=name />
                <p class="hint" id="passkey-add-name-hint">"To tell your passkeys apart, e.g. “Work laptop”."</p>
            </div>
            <StepUpFields password_id="passkey-add-password" code_id="passkey-add-code" step_up=step_up state=state />
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button type="submit" class="button button-primary" disabled=move || pending.get()
                    aria-busy=move || pending.get().to_string()>
                    {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                    {move || if pending.get() { "Waiting for your passkey…" } else { "Add passkey" }}
                </button>
                <button type="button" class="button" on:click=move |_| state.on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
    }
}
