//! The account's e-mail address: what it is and whether it is verified, the address waiting for
//! confirmation, "Resend link", and changing it (with the current password, and a current code
//! when the second factor is on). A change only takes effect when the link mailed to the new
//! address is confirmed.

use leptos::either::Either;
use leptos::prelude::*;

use crate::api::email::{change_email, resend_verification};
use crate::api::AccountDetails;
use crate::auth_context::use_auth;
use crate::components::account_details::{mfa_enabled, AccountResource};
use crate::components::code_fields::{typed_code, StepUpCodeField};
use crate::policy::{EMAIL_MAX_CHARS, PASSWORD_MAX_CHARS};

/// The address a new link would go to: the pending change, else an unverified address.
fn awaiting_verification(account: &AccountDetails) -> Option<String> {
    account
        .pending_email
        .clone()
        .or_else(|| account.email.clone().filter(|_| !account.email_verified))
}

#[component]
pub fn EmailCard(details: AccountResource) -> impl IntoView {
    let auth = use_auth();
    let message = RwSignal::new(None::<String>);
    let resend_error = RwSignal::new(None::<String>);
    let resend = Action::new_local(move |to: &String| {
        let to = to.clone();
        async move {
            auth.with_session(resend_verification)
                .await
                .map(|_| format!("A new link is on its way to {to}."))
        }
    });
    let resending = resend.pending();
    Effect::new(move |_| match resend.value().get() {
        Some(Ok(sent)) => {
            message.set(Some(sent));
            details.refetch();
        }
        Some(Err(err)) => resend_error.set(Some(err.message)),
        None => {}
    });

    let on_resend = move |to: String| {
        if resending.get_untracked() {
            return;
        }
        message.set(None);
        resend_error.set(None);
        resend.dispatch_local(to);
    };

    let status = move |a: AccountDetails| {
        let waiting = awaiting_verification(&a);
        view! {
            <p class="email-current">
                {match a.email.clone() {
                    Some(email) => Either::Left(view! {
                        <span class="address" data-testid="email-address">{email}</span>
                        {if a.email_verified {
                            Either::Left(view! { <span class="badge" data-testid="email-state">"Verified"</span> })
                        } else {
                            Either::Right(view! { <span class="badge badge-warn" data-testid="email-state">"Not verified"</span> })
                        }}
                    }),
                    None => Either::Right(view! {
                        <span class="muted" data-testid="email-state">"No address yet"</span>
                    }),
                }}
            </p>
            {a.pending_email.clone().map(|pending| view! {
                <p class="email-pending muted" data-testid="email-pending">
                    "Waiting for confirmation: " <span class="address">{pending}</span>
                </p>
            })}
            {waiting.map(|to| view! {
                <div class="email-resend">
                    <button type="button" class="button button-small" disabled=move || resending.get()
                        aria-busy=move || resending.get().to_string()
                        on:click=move |_| on_resend(to.clone())>
                        {move || if resending.get() { "Sending…" } else { "Resend link" }}
                    </button>
                </div>
            })}
        }
    };

    view! {
        <section class="card email-card" aria-labelledby="email-title">
            <h2 id="email-title">"E-mail address"</h2>
            <p class="muted">"Used to reset a forgotten password, and to log in instead of your username once verified."</p>
            <Transition fallback=|| view! { <p class="checking" role="status">"Loading your address…"</p> }>
                {move || details.get().map(|result| match result {
                    Ok(a) => Either::Left(status(a)),
                    Err(err) => Either::Right(view! { <p class="form-error" role="alert">{err.message}</p> }),
                })}
            </Transition>
            <p class="form-error" role="alert">{move || resend_error.get()}</p>
            <p class="notice-inline" role="status" data-testid="email-message">{move || message.get()}</p>
            <ChangeEmailForm
                mfa_enabled=mfa_enabled(details)
                on_requested=Callback::new(move |to: String| {
                    message.set(Some(format!("Check {to} for a confirmation link.")));
                    details.refetch();
                })
                on_start=Callback::new(move |()| message.set(None))
            />
        </section>
    }
}

/// New address + current password (+ a current code when `mfa_enabled`); `on_requested` gets
/// the address once the server took it on.
#[component]
fn ChangeEmailForm(
    mfa_enabled: Signal<bool>,
    on_requested: Callback<String>,
    on_start: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let action = Action::new_local(move |(e, p, c): &(String, String, Option<String>)| {
        let (e, p, c) = (e.clone(), p.clone(), c.clone());
        async move {
            auth.with_session(|| change_email(e.clone(), p.clone(), c.clone()))
                .await
                .map(|_| e)
        }
    });
    let pending = action.pending();
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(to)) => {
            email.set(String::new());
            password.set(String::new());
            code.set(String::new());
            on_requested.run(to);
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
        on_start.run(());
        let to = email.get_untracked().trim().to_owned();
        let code = Some(typed_code(&code.get_untracked())).filter(|_| mfa_enabled.get_untracked());
        action.dispatch_local((to, password.get_untracked(), code));
    };

    view! {
        <form class="form form-flat" method="post" action="/account" on:submit=submit novalidate>
            <h3>"Change address"</h3>
            <div class="field">
                <label for="new-email">"New e-mail address"</label>
                <input id="new-email" name="email" type="email" autocomplete="email" autocapitalize="none"
                    spellcheck="false" required maxlength=EMAIL_MAX_CHARS bind:value=email />
            </div>
            <div class="field">
                <label for="email-password">"Current password"</label>
                <input id="email-password" type="password" autocomplete="current-password" required
                    maxlength=PASSWORD_MAX_CHARS bind:value=password />
            </div>
            {move || mfa_enabled.get().then(|| view! { <StepUpCodeField id="email-code" value=code /> })}
            <p class="form-error" role="alert">{move || error.get()}</p>
            <button type="submit" class="button button-primary" disabled=move || pending.get()
                aria-busy=move || pending.get().to_string()>
                {move || if pending.get() { "Sending…" } else { "Send confirmation link" }}
            </button>
        </form>
    }
}
