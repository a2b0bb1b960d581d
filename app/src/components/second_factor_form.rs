//! The second step of a login, for an account with a second factor: the password was right and
//! the server answered `mfa_required` with a short-lived `mfa_token`. A code from the app (or,
//! toggled, a recovery code), or one of the account's passkeys (`passkey`), finishes the login
//! exactly like a password alone would. With passkeys as the only second factor the step is
//! just the passkey button.
//!
//! Focus moves to the code field (or the passkey button) when the step appears, and when the
//! toggle switches fields. When the token is no longer good (5 minutes passed, or too many wrong
//! codes) the page goes back to the password step.

mod passkey;

use leptos::either::Either;
use leptos::html::Input;
use leptos::prelude::*;

use self::passkey::{use_passkey_proof, PasskeyButton, PasskeyProof};
use crate::api::mfa::mfa_verify;
use crate::api::TokenResponse;
use crate::components::code_fields::{typed_code, RecoveryCodeField, TotpCodeField};
use crate::error::{ErrorCode, MfaChallenge};
use crate::workarounds::show_when;

/// [`SecondFactorForm`], from its own WASM chunk (`cargo leptos build --split`), loaded the first
/// time a login needs it: only accounts with a second factor see this step, after the password.
/// Server side it is never rendered (the step follows a browser-side login call).
#[lazy]
pub fn second_factor_step(
    challenge: MfaChallenge,
    on_success: Callback<TokenResponse>,
    on_back: Callback<Option<&'static str>>,
) -> AnyView {
    view! { <SecondFactorForm challenge=challenge on_success=on_success on_back=on_back /> }
        .into_any()
}

/// Shown on the password step when the second step's token is no longer good.
pub const SIGN_IN_EXPIRED: &str = "This sign-in has expired. Enter your password again.";

/// What the form sends: a code from the app, or a recovery code.
#[derive(Clone)]
enum Proof {
    Totp(String),
    RecoveryCode(String),
}

#[component]
pub fn SecondFactorForm(
    challenge: MfaChallenge,
    /// The login answer, handled like a password login's.
    on_success: Callback<TokenResponse>,
    /// Back to the password step, with the message to show there (`None`: the user asked).
    on_back: Callback<Option<&'static str>>,
) -> impl IntoView {
    let mfa_token = challenge.mfa_token;
    let offers = |method: &str| challenge.methods.iter().any(|m| m == method);
    let error = RwSignal::new(None::<String>);
    let passkey =
        offers("passkey").then(|| use_passkey_proof(mfa_token.clone(), error, on_success, on_back));
    match passkey {
        Some(proof) if !offers("totp") => {
            Either::Left(view! { <PasskeyOnlyStep proof=proof error=error on_back=on_back /> })
        }
        _ => Either::Right(view! {
            <CodeStep mfa_token=mfa_token offers_recovery=offers("recovery_code") passkey=passkey
                error=error on_success=on_success on_back=on_back />
        }),
    }
}

/// A passkey is the account's only second factor: its button is the step.
#[component]
fn PasskeyOnlyStep(
    proof: PasskeyProof,
    error: RwSignal<Option<String>>,
    on_back: Callback<Option<&'static str>>,
) -> impl IntoView {
    view! {
        <section class="card form" aria-labelledby="second-step-title" data-testid="second-factor-step">
            <div>
                <h2 id="second-step-title" class="form-title">"Two-factor authentication"</h2>
                <p class="muted form-intro">"Your password was right. Finish logging in with one of your passkeys."</p>
            </div>
            <PasskeyButton proof=proof primary=true />
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="form-links">
                <button type="button" class="link-button" on:click=move |_| on_back.run(None)>
                    "Start over"
                </button>
            </div>
        </section>
    }
}

/// A code from the app or a recovery code, and the passkey button when the account has one.
#[component]
fn CodeStep(
    mfa_token: String,
    offers_recovery: bool,
    passkey: Option<PasskeyProof>,
    error: RwSignal<Option<String>>,
    on_success: Callback<TokenResponse>,
    on_back: Callback<Option<&'static str>>,
) -> impl IntoView {
    let use_recovery = RwSignal::new(false);
    let code = RwSignal::new(String::new());
    let recovery_code = RwSignal::new(String::new());
    let code_ref = NodeRef::<Input>::new();
    let recovery_ref = NodeRef::<Input>::new();

    // The field on show takes focus: when the step appears, and after each toggle.
    Effect::new(move |_| {
        let field = if use_recovery.get() {
            recovery_ref.get()
        } else {
            code_ref.get()
        };
        if let Some(input) = field {
            let _ = input.focus();
        }
    });

    let action = Action::new(move |proof: &Proof| {
        let (code, recovery_code) = match proof.clone() {
            Proof::Totp(code) => (Some(code), None),
            Proof::RecoveryCode(recovery) => (None, Some(recovery)),
        };
        mfa_verify(mfa_token.clone(), code, recovery_code)
    });
    let pending = action.pending();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(response)) => on_success.run(response),
        Some(Err(err)) if err.error == ErrorCode::InvalidMfaToken => {
            on_back.run(Some(SIGN_IN_EXPIRED));
        }
        Some(Err(err)) => {
            error.set(Some(err.message));
            // Ready for the next try: the field keeps its text, selected.
            let field = if use_recovery.get_untracked() {
                recovery_ref.get_untracked()
            } else {
                code_ref.get_untracked()
            };
            if let Some(input) = field {
                let _ = input.focus();
                input.select();
            }
        }
        None => {}
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        action.dispatch(if use_recovery.get_untracked() {
            Proof::RecoveryCode(typed_code(&recovery_code.get_untracked()))
        } else {
            Proof::Totp(typed_code(&code.get_untracked()))
        });
    };
    let toggle = move |_| {
        error.set(None);
        use_recovery.update(|on| *on = !*on);
    };

    view! {
        <form class="card form" method="post" action="/login" on:submit=submit novalidate
            aria-labelledby="second-step-title" data-testid="second-factor-step">
            <div>
                <h2 id="second-step-title" class="form-title">"Two-factor authentication"</h2>
                <p class="muted form-intro">
                    {move || if use_recovery.get() {
                        "Enter one of your recovery codes to finish logging in."
                    } else {
                        "Enter the 6-digit code your authenticator app shows for Tokengate."
                    }}
                </p>
            </div>
            {show_when(
                move || use_recovery.get(),
                move || view! { <RecoveryCodeField id="recovery-code" value=recovery_code node_ref=recovery_ref /> },
                move || view! {
                    <TotpCodeField id="totp-code" label="Code from your authenticator app" value=code
                        node_ref=code_ref />
                },
            )}
            <p class="form-error" role="alert">{move || error.get()}</p>
            <button type="submit" class="button button-primary button-block" disabled=move || pending.get()
                aria-busy=move || pending.get().to_string()>
                <Show when=move || pending.get()>
                    <span class="spinner" aria-hidden="true"></span>
                </Show>
                {move || if pending.get() { "Verifying…" } else { "Verify" }}
            </button>
            {passkey.map(|proof| view! {
                <p class="divider"><span>"or"</span></p>
                <PasskeyButton proof=proof />
            })}
            <div class="form-links">
                {offers_recovery.then(|| view! {
                    <button type="button" class="link-button" on:click=toggle>
                        {move || if use_recovery.get() {
                            "Use a code from your app instead"
                        } else {
                            "Use a recovery code instead"
                        }}
                    </button>
                })}
                <button type="button" class="link-button" on:click=move |_| on_back.run(None)>
                    "Start over"
                </button>
            </div>
        </form>
    }
}
