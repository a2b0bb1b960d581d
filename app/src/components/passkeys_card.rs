//! The account's passkeys (issue 15): each with its name, when it was added and last used;
//! adding one (`add`: a name, the step-up, then the browser's dialog), renaming one inline and
//! removing one behind its step-up (`item`). One panel is open at a time; closing it gives focus
//! back to the card's heading, and every change refetches the list.

mod add;
mod item;
mod step_up_fields;

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;

use self::add::AddPanel;
use self::item::PasskeyItem;
use crate::api::passkeys::{list_passkeys, PasskeyList};
use crate::auth_context::use_auth;
use crate::components::account_details::{mfa_enabled, AccountResource};
use crate::error::ApiError;
use crate::workarounds::SyncHydrate;

/// What the card has open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Panel {
    Closed,
    Add,
    /// The passkey with this id, its name in an input.
    Rename(String),
    /// The passkey with this id, behind its step-up.
    Remove(String),
}

/// What the card's parts share.
#[derive(Clone, Copy)]
pub struct CardState {
    pub panel: RwSignal<Panel>,
    /// False for an account without a password: no password field, the server asks for a recent
    /// sign-in instead.
    pub has_password: Signal<bool>,
    /// TOTP is on: the step-up also takes a current code.
    pub mfa_enabled: Signal<bool>,
    /// A change is made: refetch, close the panel and say so.
    pub on_done: Callback<String>,
    pub on_cancel: Callback<()>,
}

/// Browser-only (a `LocalResource`), like the account itself.
type PasskeysResource = LocalResource<Result<PasskeyList, ApiError>>;

#[component]
pub fn PasskeysCard(details: AccountResource) -> impl IntoView {
    let auth = use_auth();
    let passkeys: PasskeysResource = LocalResource::new(move || auth.with_session(list_passkeys));
    let panel = RwSignal::new(Panel::Closed);
    let message = RwSignal::new(None::<String>);
    let heading = NodeRef::<leptos::html::H2>::new();
    let close_panel = move || {
        panel.set(Panel::Closed);
        if let Some(h) = heading.get_untracked() {
            let _ = h.focus();
        }
    };
    let loaded = move || passkeys.get().and_then(Result::ok);
    let state = CardState {
        panel,
        has_password: Signal::derive(move || loaded().is_none_or(|list| list.has_password)),
        mfa_enabled: mfa_enabled(details),
        on_done: Callback::new(move |text: String| {
            passkeys.refetch();
            close_panel();
            message.set(Some(text));
        }),
        on_cancel: Callback::new(move |()| close_panel()),
    };
    let open_add = move |_| {
        message.set(None);
        panel.set(Panel::Add);
    };

    let list = move |list: PasskeyList| {
        if list.passkeys.is_empty() {
            return Either::Left(view! {
                <p class="passkeys-empty" data-testid="passkeys-empty">"No passkeys yet."</p>
            });
        }
        Either::Right(view! {
            <ul class="passkeys" aria-label="Your passkeys">
                {list.passkeys.into_iter().map(|info| view! { <PasskeyItem info=info state=state /> }).collect_view()}
            </ul>
        })
    };

    view! {
        <section class="card passkeys-card" aria-labelledby="passkeys-title">
            <h2 id="passkeys-title" tabindex="-1" node_ref=heading>"Passkeys"</h2>
            <p class="muted">
                "Sign in with your fingerprint, face or screen lock instead of typing a password. A passkey stays on your device and only works on this site. With a password as well, logging in with the password then also asks for a passkey."
            </p>
            <Transition fallback=|| view! { <p class="checking" role="status">"Loading passkeys…"</p> }>
                {move || passkeys.get().map(|result| match result {
                    Ok(found) => Either::Left(list(found)),
                    Err(err) => Either::Right(view! { <p class="form-error" role="alert">{err.message}</p> }),
                })}
            </Transition>
            <p class="notice-inline" role="status" data-testid="passkeys-message">{move || message.get()}</p>
            // In a SyncHydrate, which also boxes its server `resolve` future (see the account page).
            {move || match panel.get() {
                Panel::Add => EitherOf3::A(SyncHydrate(view! { <AddPanel state=state /> })),
                Panel::Closed if loaded().is_some() => EitherOf3::B(view! {
                    <div class="actions">
                        <button type="button" class="button button-primary" on:click=open_add>"Add a passkey"</button>
                    </div>
                }),
                _ => EitherOf3::C(()),
            }}
        </section>
    }
}
