//! The proof a passkey change asks for: the current password, and a current code when TOTP is
//! on. An account without a password shows neither (the server checks that its sign-in is
//! recent).

use leptos::html::Input;
use leptos::prelude::*;

use super::CardState;
use crate::components::code_fields::{typed_code, StepUpCodeField};
use crate::policy::PASSWORD_MAX_CHARS;

/// The fields' values.
#[derive(Clone, Copy)]
pub struct StepUp {
    pub password: RwSignal<String>,
    pub code: RwSignal<String>,
}

impl StepUp {
    pub fn new() -> Self {
        Self {
            password: RwSignal::new(String::new()),
            code: RwSignal::new(String::new()),
        }
    }

    /// What the server is sent: `(password, code)`, each only where its field is shown.
    pub fn values(self, state: CardState) -> (Option<String>, Option<String>) {
        let password =
            Some(self.password.get_untracked()).filter(|_| state.has_password.get_untracked());
        let code = Some(typed_code(&self.code.get_untracked()))
            .filter(|_| state.has_password.get_untracked() && state.mfa_enabled.get_untracked());
        (password, code)
    }
}

/// Ids may be fixed: only one panel of the card is open at a time.
#[component]
pub fn StepUpFields(
    password_id: &'static str,
    code_id: &'static str,
    step_up: StepUp,
    state: CardState,
    #[prop(optional)] password_ref: NodeRef<Input>,
) -> impl IntoView {
    view! {
        {move || state.has_password.get().then(|| view! {
            <div class="field">
                <label for=password_id>"Current password"</label>
                <input id=password_id type="password" autocomplete="current-password" required
                    maxlength=PASSWORD_MAX_CHARS node_ref=password_ref bind:value=step_up.password />
            </div>
        })}
        {move || (state.has_password.get() && state.mfa_enabled.get())
            .then(|| view! { <StepUpCodeField id=code_id value=step_up.code /> })}
    }
}
