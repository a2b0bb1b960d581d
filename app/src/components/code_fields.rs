//! The fields that take a second-factor code, one look everywhere:
//! - `TotpCodeField`: the six digits an authenticator app shows (the login's second step,
//!   confirming the set-up). Numeric keypad on phones, and the browser's one-time-code autofill.
//! - `RecoveryCodeField`: one of the saved recovery codes (letters and digits).
//! - `StepUpCodeField`: either of them, for a change that needs the factor (password, address,
//!   new recovery codes, turning it off); the server tells them apart.

use leptos::html::Input;
use leptos::prelude::*;

use crate::policy::TOTP_CODE_DIGITS;

/// The label of every step-up field; the tests find the field by it.
pub const STEP_UP_CODE_LABEL: &str = "Code from your authenticator app (or a recovery code)";

/// Room for a recovery code typed with spaces (`k7qm 2xgd p4ta 9wve` is 19 characters; the
/// server ignores case, spaces and hyphens).
const RECOVERY_CODE_MAX_CHARS: usize = 40;

/// The `pattern` of a TOTP code: exactly `TOTP_CODE_DIGITS` digits.
const TOTP_CODE_PATTERN: &str = const_format::concatcp!("[0-9]{", TOTP_CODE_DIGITS, "}");

/// What a field's value is sent as: surrounding spaces dropped.
pub fn typed_code(value: &str) -> String {
    value.trim().to_owned()
}

#[component]
pub fn TotpCodeField(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] node_ref: NodeRef<Input>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id name="code" type="text" class="code-input" inputmode="numeric"
                autocomplete="one-time-code" pattern=TOTP_CODE_PATTERN maxlength=TOTP_CODE_DIGITS
                spellcheck="false" required node_ref=node_ref bind:value=value />
        </div>
    }
}

#[component]
pub fn RecoveryCodeField(
    id: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] node_ref: NodeRef<Input>,
) -> impl IntoView {
    let hint = format!("{id}-hint");
    view! {
        <div class="field">
            <label for=id>"Recovery code"</label>
            <input id=id name="recovery_code" type="text" class="code-input" autocomplete="off"
                autocapitalize="none" spellcheck="false" required maxlength=RECOVERY_CODE_MAX_CHARS
                aria-describedby=hint.clone() node_ref=node_ref bind:value=value />
            <p class="hint" id=hint>"One of the codes you saved when you turned two-factor authentication on. Each works once."</p>
        </div>
    }
}

#[component]
pub fn StepUpCodeField(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{STEP_UP_CODE_LABEL}</label>
            <input id=id name="code" type="text" class="code-input" autocomplete="one-time-code"
                autocapitalize="none" spellcheck="false" required maxlength=RECOVERY_CODE_MAX_CHARS
                bind:value=value />
        </div>
    }
}
