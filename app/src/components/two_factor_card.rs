//! The account's second factor (issue 14): whether it is on and how many recovery codes are left;
//! setting it up (`enrol`: the password, then the QR code or key for an authenticator app, then a
//! first code); once on, new recovery codes or turning it off (`step_up`: each with the password
//! and a current code). Recovery codes are shown once, right after they are made
//! (`recovery_codes`). The account is refetched after each change, so every card of the page
//! sees the new state (the password and e-mail forms then ask for a code).

mod enrol;
mod recovery_codes;
mod step_up;

use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;

use self::enrol::EnrolPanel;
use self::recovery_codes::RecoveryCodesPanel;
use self::step_up::{StepUpKind, StepUpPanel};
use crate::api::AccountDetails;
use crate::components::account_details::AccountResource;
use crate::workarounds::SyncHydrate;

/// What the card shows under its status.
#[derive(Clone, Debug, PartialEq)]
enum Panel {
    Closed,
    Enrol,
    StepUp(StepUpKind),
    /// Fresh recovery codes, until the user says they are saved.
    Codes(Vec<String>),
}

/// "On · 9 recovery codes left", or "Off".
pub fn status_text(account: &AccountDetails) -> String {
    match (account.mfa_enabled, account.recovery_codes_left) {
        (false, _) => "Off".to_owned(),
        (true, 1) => "On · 1 recovery code left".to_owned(),
        (true, left) => format!("On · {left} recovery codes left"),
    }
}

#[component]
pub fn TwoFactorCard(details: AccountResource) -> impl IntoView {
    let panel = RwSignal::new(Panel::Closed);
    let message = RwSignal::new(None::<String>);
    let open = move |next: Panel| {
        message.set(None);
        panel.set(next);
    };
    // Closing a panel removes the button that had focus: the card's heading takes it instead.
    let heading = NodeRef::<leptos::html::H2>::new();
    let close_panel = move || {
        panel.set(Panel::Closed);
        if let Some(h) = heading.get_untracked() {
            let _ = h.focus();
        }
    };
    let close = Callback::new(move |()| close_panel());
    let changed = Callback::new(move |()| details.refetch());
    let show_codes = Callback::new(move |codes: Vec<String>| {
        details.refetch();
        panel.set(Panel::Codes(codes));
    });
    let turned_off = Callback::new(move |()| {
        details.refetch();
        close_panel();
        message.set(Some("Two-factor authentication is off.".to_owned()));
    });
    let saved = Callback::new(move |()| {
        close_panel();
        message.set(Some("Two-factor authentication is on.".to_owned()));
    });
    let closed = move || panel.with(|p| *p == Panel::Closed);

    let status = move |a: AccountDetails| {
        let enabled = a.mfa_enabled;
        let low = enabled && a.recovery_codes_left <= 3;
        view! {
            <p class="two-factor-status">
                <span class=if enabled { "badge" } else { "badge badge-off" } data-testid="two-factor-status">
                    {status_text(&a)}
                </span>
            </p>
            {low.then(|| view! {
                <p class="hint">"Running low: make new recovery codes before the last one is used."</p>
            })}
            {move || closed().then(|| if enabled {
                Either::Left(view! {
                    <div class="actions">
                        <button type="button" class="button button-small"
                            on:click=move |_| open(Panel::StepUp(StepUpKind::NewCodes))>"New recovery codes"</button>
                        <button type="button" class="button button-small"
                            on:click=move |_| open(Panel::StepUp(StepUpKind::TurnOff))>"Turn off"</button>
                    </div>
                })
            } else {
                Either::Right(view! {
                    <div class="actions">
                        <button type="button" class="button button-primary" on:click=move |_| open(Panel::Enrol)>
                            "Set up"
                        </button>
                    </div>
                })
            })}
        }
    };

    view! {
        <section class="card two-factor-card" aria-labelledby="two-factor-title">
            <h2 id="two-factor-title" tabindex="-1" node_ref=heading>"Two-factor authentication"</h2>
            <p class="muted">"After your password, a code from an authenticator app on your phone: a stolen password alone cannot open your account."</p>
            <Transition fallback=|| view! { <p class="checking" role="status">"Loading…"</p> }>
                {move || details.get().map(|result| match result {
                    Ok(a) => Either::Left(status(a)),
                    Err(err) => Either::Right(view! { <p class="form-error" role="alert">{err.message}</p> }),
                })}
            </Transition>
            <p class="notice-inline" role="status" data-testid="two-factor-message">{move || message.get()}</p>
            // Each panel in a SyncHydrate, which also boxes its server `resolve` future: nested in
            // one, the account page's future is deeper than rustc's default recursion limit.
            {move || match panel.get() {
                Panel::Closed => EitherOf4::A(()),
                Panel::Enrol => EitherOf4::B(SyncHydrate(view! {
                    <EnrolPanel on_codes=show_codes on_changed=changed on_cancel=close />
                })),
                Panel::StepUp(kind) => EitherOf4::C(SyncHydrate(view! {
                    <StepUpPanel kind=kind on_codes=show_codes on_off=turned_off on_changed=changed on_cancel=close />
                })),
                Panel::Codes(codes) => EitherOf4::D(SyncHydrate(view! {
                    <RecoveryCodesPanel codes=codes details=details on_saved=saved />
                })),
            }}
        </section>
    }
}
