//! The two changes to a factor that is on, each proven with the password and a current code (or
//! a recovery code), so that a stolen session alone cannot make them: new recovery codes (the old
//! ones stop working) and turning the factor off.

use leptos::html::Input;
use leptos::prelude::*;

use crate::api::mfa::{regenerate_recovery_codes, totp_disable};
use crate::auth_context::{use_auth, AuthContext};
use crate::components::code_fields::{typed_code, StepUpCodeField};
use crate::error::{ApiError, ErrorCode};
use crate::policy::PASSWORD_MAX_CHARS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepUpKind {
    NewCodes,
    TurnOff,
}

/// What a change gave.
#[derive(Clone)]
enum Done {
    Codes(Vec<String>),
    Off,
}

impl StepUpKind {
    fn title(self) -> &'static str {
        match self {
            Self::NewCodes => "New recovery codes",
            Self::TurnOff => "Turn off two-factor authentication",
        }
    }

    fn explanation(self) -> &'static str {
        match self {
            Self::NewCodes => "You get ten new codes; the ones you have now stop working.",
            Self::TurnOff => "Your password alone will then log in. Your recovery codes are deleted and every other session is signed out.",
        }
    }

    fn labels(self) -> (&'static str, &'static str) {
        match self {
            Self::NewCodes => ("Make new codes", "Making codes…"),
            Self::TurnOff => ("Turn off", "Turning off…"),
        }
    }

    async fn run(
        self,
        auth: AuthContext,
        password: String,
        code: String,
    ) -> Result<Done, ApiError> {
        match self {
            Self::NewCodes => auth
                .with_session(|| regenerate_recovery_codes(password.clone(), code.clone()))
                .await
                .map(|codes| Done::Codes(codes.recovery_codes)),
            Self::TurnOff => auth
                .with_session(|| totp_disable(password.clone(), code.clone()))
                .await
                .map(|_| Done::Off),
        }
    }
}

#[component]
pub fn StepUpPanel(
    kind: StepUpKind,
    /// New recovery codes to show.
    on_codes: Callback<Vec<String>>,
    /// The factor is off.
    on_off: Callback<()>,
    /// The account changed under us (the factor was turned off elsewhere): refetch it.
    on_changed: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let password_ref = NodeRef::<Input>::new();
    Effect::new(move |_| {
        if let Some(input) = password_ref.get() {
            let _ = input.focus();
        }
    });

    let action = Action::new_local(move |(password, code): &(String, String)| {
        kind.run(auth, password.clone(), code.clone())
    });
    let pending = action.pending();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(Done::Codes(codes))) => on_codes.run(codes),
        Some(Ok(Done::Off)) => on_off.run(()),
        Some(Err(err)) => {
            if err.error == ErrorCode::MfaNotEnabled {
                on_changed.run(());
            }
            error.set(Some(err.message));
        }
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        action.dispatch_local((password.get_untracked(), typed_code(&code.get_untracked())));
    };
    let (label, pending_label) = kind.labels();
    let (password_id, code_id) = match kind {
        StepUpKind::NewCodes => ("new-codes-password", "new-codes-code"),
        StepUpKind::TurnOff => ("turn-off-password", "turn-off-code"),
    };

    view! {
        <form class="form form-flat" method="post" action="/account" on:submit=submit novalidate
            aria-label=kind.title()>
            <h3>{kind.title()}</h3>
            <p class="muted">{kind.explanation()}</p>
            <div class="field">
                <label for=password_id>"Current password"</label>
                <input id=password_id type="password" autocomplete="current-password" required
                    maxlength=PASSWORD_MAX_CHARS node_ref=password_ref bind:value=password />
            </div>
            <StepUpCodeField id=code_id value=code />
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button type="submit" class=if kind == StepUpKind::TurnOff { "button button-danger" } else { "button button-primary" }
                    disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { pending_label } else { label }}
                </button>
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
    }
}
