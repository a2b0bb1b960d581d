//! Setting the factor up: the password (`totp_setup`), then the new key as a QR code and as text
//! for the app, then a first code from it (`totp_confirm`), which turns the factor on and answers
//! the recovery codes.

use leptos::html::Input;
use leptos::prelude::*;

use crate::api::mfa::{totp_confirm, totp_setup, TotpEnrolment};
use crate::auth_context::use_auth;
use crate::client::clipboard::copy_text;
use crate::components::code_fields::{typed_code, TotpCodeField};
use crate::error::ErrorCode;
use crate::policy::PASSWORD_MAX_CHARS;
use crate::workarounds::show_when;

/// A base32 key in groups of four, as apps that take a typed key show it.
pub fn grouped_key(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|group| std::str::from_utf8(group).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
pub fn EnrolPanel(
    /// The factor is on: the recovery codes to show.
    on_codes: Callback<Vec<String>>,
    /// The account changed under us (the factor was turned on elsewhere): refetch it.
    on_changed: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let enrolment = RwSignal::new(None::<TotpEnrolment>);
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let password_ref = NodeRef::<Input>::new();
    Effect::new(move |_| {
        if let Some(input) = password_ref.get() {
            let _ = input.focus();
        }
    });

    let setup = Action::new_local(move |password: &String| {
        let password = password.clone();
        async move { auth.with_session(|| totp_setup(password.clone())).await }
    });
    let pending = setup.pending();
    Effect::new(move |_| match setup.value().get() {
        Some(Ok(new_key)) => {
            password.set(String::new());
            enrolment.set(Some(new_key));
        }
        Some(Err(err)) => {
            if err.error == ErrorCode::MfaAlreadyEnabled {
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
        setup.dispatch_local(password.get_untracked());
    };

    show_when(
        move || enrolment.with(Option::is_some),
        move || {
            enrolment.get_untracked().map(|new_key| {
                view! { <ConfirmStep enrolment=new_key on_codes=on_codes on_cancel=on_cancel /> }
            })
        },
        move || {
            view! {
                <form class="form form-flat" method="post" action="/account" on:submit=submit novalidate>
                    <h3>"Set up two-factor authentication"</h3>
                    <p class="muted">"You need an authenticator app on your phone (any app that takes a QR code or a key). First, confirm it is you."</p>
                    <div class="field">
                        <label for="two-factor-password">"Current password"</label>
                        <input id="two-factor-password" type="password" autocomplete="current-password" required
                            maxlength=PASSWORD_MAX_CHARS node_ref=password_ref bind:value=password />
                    </div>
                    <p class="form-error" role="alert">{move || error.get()}</p>
                    <div class="actions">
                        <button type="submit" class="button button-primary" disabled=move || pending.get()
                            aria-busy=move || pending.get().to_string()>
                            {move || if pending.get() { "Checking…" } else { "Continue" }}
                        </button>
                        <button type="button" class="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                    </div>
                </form>
            }
        },
    )
}

/// The key for the app, and its first code.
#[component]
fn ConfirmStep(
    enrolment: TotpEnrolment,
    on_codes: Callback<Vec<String>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let TotpEnrolment {
        secret,
        otpauth_url,
        qr_svg,
    } = enrolment;
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let copied = RwSignal::new(None::<&'static str>);
    // The step starts at its heading (the QR code comes before the code field).
    let heading = NodeRef::<leptos::html::H3>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });

    let confirm = Action::new_local(move |code: &String| {
        let code = code.clone();
        async move { auth.with_session(|| totp_confirm(code.clone())).await }
    });
    let pending = confirm.pending();
    Effect::new(move |_| match confirm.value().get() {
        Some(Ok(codes)) => on_codes.run(codes.recovery_codes),
        Some(Err(err)) => error.set(Some(err.message)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        confirm.dispatch_local(typed_code(&code.get_untracked()));
    };
    let copy_key = {
        let secret = secret.clone();
        move |_| {
            let secret = secret.clone();
            leptos::task::spawn_local(async move {
                copied.set(Some(if copy_text(&secret).await {
                    "Key copied."
                } else {
                    "Could not copy: select the key and copy it."
                }));
            });
        }
    };

    view! {
        <form class="form form-flat" method="post" action="/account" on:submit=submit novalidate>
            <h3 tabindex="-1" node_ref=heading>"Add Tokengate to your authenticator app"</h3>
            <ol class="enrol-steps">
                <li>"Scan this QR code with the app, or type the key below into it."</li>
                <li>"Enter the 6-digit code the app then shows."</li>
            </ol>
            // Markup made on the server by the qrcode crate: shapes only, no script or style.
            <div class="qr-code" role="img" aria-label="QR code of your two-factor key" inner_html=qr_svg></div>
            <div class="totp-key-row">
                <p class="totp-key-label">"Key"</p>
                <code class="totp-key" data-testid="totp-key">{grouped_key(&secret)}</code>
                <button type="button" class="button button-small" on:click=copy_key>"Copy key"</button>
            </div>
            <p class="notice-inline" role="status">{move || copied.get()}</p>
            <p class="hint"><a href=otpauth_url>"Open in an authenticator app on this device"</a></p>
            <TotpCodeField id="two-factor-confirm-code" label="6-digit code" value=code />
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button type="submit" class="button button-primary" disabled=move || pending.get()
                    aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Turning on…" } else { "Turn on" }}
                </button>
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_shown_in_groups_of_four() {
        assert_eq!(
            grouped_key("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
            "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
        );
        assert_eq!(grouped_key("ABCDEF"), "ABCD EF");
        assert_eq!(grouped_key(""), "");
    }
}
