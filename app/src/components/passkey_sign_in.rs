//! Signing in with a passkey and no username, on the login's password step, two ways:
//! - autofill: once hydrated, where the browser supports it, a conditional request
//!   (`mediation: "conditional"`) waits in the background, and the browser lists the user's
//!   passkeys in the username field's suggestions (`autocomplete="username webauthn"`);
//! - the "Sign in with a passkey" button: the browser's own dialog. It first aborts the waiting
//!   autofill request (a browser runs one WebAuthn request at a time), which comes back when the
//!   dialog is closed without a passkey.
//!
//! The autofill request ends with the step (another step or page): nothing is left pending for
//! the next request. A refusal by the server is shown (and the autofill is not offered again: it
//! would suggest the same passkey); a cancel, an abort or an autofill that could not start is not
//! (the password form still works).

use leptos::prelude::*;

use crate::api::passkeys::{passkey_login_finish, passkey_login_start};
use crate::api::TokenResponse;
use crate::client::passkey_ceremonies::{sign_in, CeremonyError};
use crate::client::webauthn::{self, AbortHandle};

#[component]
pub fn PasskeySignIn(
    /// The login answer, handled like a password login's.
    on_success: Callback<TokenResponse>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    // True while an autofill request waits for the user (shown as `data-autofill`, for tests).
    let autofill_waiting = RwSignal::new(false);
    // Each autofill run has a generation; stopping bumps it, so a run still starting gives up.
    let generation = StoredValue::new(0_u32);
    // The browser's handle is not `Send` (local storage); the server's is a unit and must not
    // be local: the owner's cleanup (`stop_autofill`) runs wherever the response stream is
    // polled, another thread than the render's, where a local value panics on access.
    #[cfg(feature = "hydrate")]
    let waiting = StoredValue::new_local(None::<AbortHandle>);
    #[cfg(not(feature = "hydrate"))]
    let waiting = StoredValue::new(None::<AbortHandle>);
    let is_current = move |mine: u32| generation.try_get_value() == Some(mine);
    let stop_autofill = move || {
        generation.try_update_value(|g| *g = g.wrapping_add(1));
        if let Some(Some(handle)) = waiting.try_update_value(Option::take) {
            handle.abort();
        }
    };
    let start_autofill = move || {
        let Some(mine) = generation.try_get_value() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if !webauthn::conditional_mediation_available().await || !is_current(mine) {
                return;
            }
            let (Ok(started), Some(handle)) = (passkey_login_start().await, AbortHandle::new())
            else {
                return;
            };
            if !is_current(mine) {
                return;
            }
            waiting.try_set_value(Some(handle.clone()));
            autofill_waiting.try_set(true);
            let chosen = webauthn::get(&started.options, true, Some(&handle)).await;
            autofill_waiting.try_set(false);
            waiting.try_update_value(|w| w.take());
            let Ok(credential) = chosen else {
                return;
            };
            error.try_set(None);
            match passkey_login_finish(started.ceremony, credential).await {
                Ok(response) => on_success.run(response),
                Err(err) => {
                    error.try_set(Some(err.message));
                }
            }
        });
    };
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| start_autofill());
    on_cleanup(stop_autofill);

    let modal = Action::new_local(|_: &()| sign_in(false, None));
    let pending = modal.pending();
    Effect::new(move |_| match modal.value().get() {
        Some(Ok(response)) => on_success.run(response),
        // The dialog was closed: the suggestions come back. A passkey the server refused would
        // be offered again and refused again, so after a refusal only the button is left.
        Some(Err(err @ CeremonyError::Browser(_))) => {
            error.set(err.message());
            start_autofill();
        }
        Some(Err(err)) => error.set(err.message()),
        None => {}
    });
    let click = move |_| {
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        stop_autofill();
        modal.dispatch_local(());
    };

    view! {
        <div class="passkey-alt" data-autofill=move || if autofill_waiting.get() { "waiting" } else { "off" }>
            <p class="divider"><span>"or"</span></p>
            <button type="button" class="button button-block" on:click=click disabled=move || pending.get()
                aria-busy=move || pending.get().to_string()>
                {move || pending.get().then(|| view! { <span class="spinner" aria-hidden="true"></span> })}
                {move || if pending.get() { "Waiting for your passkey…" } else { "Sign in with a passkey" }}
            </button>
            <p class="form-error" role="alert" data-testid="passkey-error">{move || error.get()}</p>
        </div>
    }
}
