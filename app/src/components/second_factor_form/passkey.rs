//! The passkey way through a login's second step (`methods` has `passkey`): the browser's dialog
//! for one of the account's passkeys, then the login answer. Offered as a button under the code
//! form, or, when a passkey is the account's only second factor, as the step's main action.

use leptos::html::Button;
use leptos::prelude::*;

use super::SIGN_IN_EXPIRED;
use crate::api::TokenResponse;
use crate::client::passkey_ceremonies::second_factor;
use crate::error::ErrorCode;

/// The passkey try of a second step: its progress, and a way to start it.
#[derive(Clone, Copy)]
pub struct PasskeyProof {
    pub pending: Signal<bool>,
    pub start: Callback<()>,
}

/// Runs the passkey second factor for `mfa_token`; errors go to `error`, an expired step back to
/// the password.
pub fn use_passkey_proof(
    mfa_token: String,
    error: RwSignal<Option<String>>,
    on_success: Callback<TokenResponse>,
    on_back: Callback<Option<&'static str>>,
) -> PasskeyProof {
    let action = Action::new_local(move |_: &()| second_factor(mfa_token.clone()));
    let pending = action.pending();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(response)) => on_success.run(response),
        Some(Err(err)) if err.code() == Some(ErrorCode::InvalidMfaToken) => {
            on_back.run(Some(SIGN_IN_EXPIRED));
        }
        Some(Err(err)) => error.set(err.message()),
        None => {}
    });
    let start = Callback::new(move |()| {
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        action.dispatch_local(());
    });
    PasskeyProof {
        pending: pending.into(),
        start,
    }
}

#[component]
pub fn PasskeyButton(
    proof: PasskeyProof,
    /// The step's main action (a passkey is the only second factor): primary, and focused.
    #[prop(optional)]
    primary: bool,
) -> impl IntoView {
    let pending = proof.pending;
    let button_ref = NodeRef::<Button>::new();
    Effect::new(move |_| {
        if let Some(button) = button_ref.get().filter(|_| primary) {
            let _ = button.focus();
        }
    });
    view! {
        <button type="button" node_ref=button_ref
            class=if primary { "button button-primary button-block" } else { "button button-block" }
            on:click=move |_| proof.start.run(()) disabled=move || pending.get()
            aria-busy=move || pending.get().to_string()>
            {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
            {move || if pending.get() { "Waiting for your passkey…" } else { "Use your passkey" }}
        </button>
    }
}
