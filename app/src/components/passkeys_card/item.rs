//! One passkey of the list: its name and dates, "Rename" (the name becomes an input with Save
//! and Cancel; Escape cancels) and "Remove" (an inline confirmation with the step-up).

use leptos::html::Input;
use leptos::prelude::*;

use super::step_up_fields::{StepUp, StepUpFields};
use super::{CardState, Panel};
use crate::api::passkeys::{delete_passkey, rename_passkey, PasskeyInfo};
use crate::auth_context::use_auth;
use crate::policy::PASSKEY_NAME_MAX_CHARS;
use crate::time_fmt::utc_datetime;
use crate::workarounds::show_when;

/// "Added 2026-11-27 19:46 UTC · last used 2026-11-28 08:02 UTC" (or "never used").
pub fn dates_text(info: &PasskeyInfo) -> String {
    let used = match info.last_used_at {
        Some(at) => format!("last used {}", utc_datetime(at)),
        None => "never used".to_owned(),
    };
    format!("Added {} · {used}", utc_datetime(info.created_at))
}

#[component]
pub fn PasskeyItem(info: PasskeyInfo, state: CardState) -> impl IntoView {
    let panel = state.panel;
    let renaming = {
        let id = info.id.clone();
        move || panel.with(|p| matches!(p, Panel::Rename(open) if *open == id))
    };
    let removing = {
        let id = info.id.clone();
        move || panel.with(|p| matches!(p, Panel::Remove(open) if *open == id))
    };
    let expanded = removing.clone();
    let (rename_info, remove_info) = (info.clone(), info.clone());
    let open = move |next: Panel| panel.set(next);
    let (rename_id, remove_id) = (info.id.clone(), info.id.clone());
    let name = info.name.clone();

    view! {
        <li class="passkey" data-testid="passkey-row">
            {show_when(
                renaming,
                move || view! { <RenameForm info=rename_info.clone() state=state /> },
                move || {
                    let (rename_id, remove_id) = (rename_id.clone(), remove_id.clone());
                    let (name, expanded) = (name.clone(), expanded.clone());
                    view! {
                        <div class="passkey-summary">
                            <div class="passkey-text">
                                <p class="passkey-name" data-testid="passkey-name">{name.clone()}</p>
                                <p class="muted passkey-dates" data-testid="passkey-dates">{dates_text(&info)}</p>
                            </div>
                            <div class="actions">
                                <button type="button" class="button button-small"
                                    on:click=move |_| open(Panel::Rename(rename_id.clone()))>
                                    "Rename"<span class="visually-hidden">" " {name.clone()}</span>
                                </button>
                                <button type="button" class="button button-small"
                                    aria-expanded=move || expanded().to_string()
                                    on:click=move |_| open(Panel::Remove(remove_id.clone()))>
                                    "Remove"<span class="visually-hidden">" " {name.clone()}</span>
                                </button>
                            </div>
                        </div>
                    }
                },
            )}
            {move || removing().then(|| view! { <RemoveForm info=remove_info.clone() state=state /> })}
        </li>
    }
}

#[component]
fn RenameForm(info: PasskeyInfo, state: CardState) -> impl IntoView {
    let auth = use_auth();
    let name = RwSignal::new(info.name.clone());
    let error = RwSignal::new(None::<String>);
    let input_ref = NodeRef::<Input>::new();
    Effect::new(move |_| {
        if let Some(input) = input_ref.get() {
            let _ = input.focus();
            input.select();
        }
    });
    let id = info.id.clone();
    let rename = Action::new_local(move |name: &String| {
        let (id, name) = (id.clone(), name.clone());
        async move {
            auth.with_session(|| rename_passkey(id.clone(), name.clone()))
                .await
        }
    });
    let pending = rename.pending();
    Effect::new(move |_| match rename.value().get() {
        Some(Ok(renamed)) => state
            .on_done
            .run(format!("Passkey renamed to “{}”.", renamed.name)),
        Some(Err(err)) => error.set(Some(err.message)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        rename.dispatch_local(name.get_untracked().trim().to_owned());
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            state.on_cancel.run(());
        }
    };
    let input_id = format!("passkey-rename-{}", info.id);

    view! {
        <form class="passkey-rename" method="post" action="/account" on:submit=submit novalidate
            aria-label=format!("Rename {}", info.name)>
            <div class="field">
                <label for=input_id.clone()>"Passkey name"</label>
                <input id=input_id type="text" autocomplete="off" required maxlength=PASSKEY_NAME_MAX_CHARS
                    node_ref=input_ref bind:value=name on:keydown=on_keydown />
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button type="submit" class="button button-primary button-small" disabled=move || pending.get()
                    aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
                <button type="button" class="button button-small" on:click=move |_| state.on_cancel.run(())>
                    "Cancel"
                </button>
            </div>
        </form>
    }
}

#[component]
fn RemoveForm(info: PasskeyInfo, state: CardState) -> impl IntoView {
    let auth = use_auth();
    let step_up = StepUp::new();
    let error = RwSignal::new(None::<String>);
    let password_ref = NodeRef::<Input>::new();
    let confirm_ref = NodeRef::<leptos::html::Button>::new();
    // The first thing to fill or press takes focus.
    Effect::new(move |_| {
        if let Some(input) = password_ref.get() {
            let _ = input.focus();
        } else if let Some(button) = confirm_ref.get() {
            let _ = button.focus();
        }
    });
    let id = info.id.clone();
    let remove = Action::new_local(move |(password, code): &(Option<String>, Option<String>)| {
        let (id, password, code) = (id.clone(), password.clone(), code.clone());
        async move {
            auth.with_session(|| delete_passkey(id.clone(), password.clone(), code.clone()))
                .await
        }
    });
    let pending = remove.pending();
    let name = info.name.clone();
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(_)) => state.on_done.run(format!("Passkey “{name}” removed.")),
        Some(Err(err)) => error.set(Some(err.message)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        remove.dispatch_local(step_up.values(state));
    };

    view! {
        <form class="confirm-panel passkey-remove" method="post" action="/account" on:submit=submit novalidate
            aria-label=format!("Remove {}", info.name)>
            <p>{format!("Remove “{}”?", info.name)}</p>
            <p class="muted">"You can no longer sign in with it, and every other session is signed out."</p>
            <StepUpFields password_id="passkey-remove-password" code_id="passkey-remove-code"
                step_up=step_up state=state password_ref=password_ref />
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button type="submit" class="button button-danger" node_ref=confirm_ref
                    disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Removing…" } else { "Remove passkey" }}
                </button>
                <button type="button" class="button" on:click=move |_| state.on_cancel.run(())>"Cancel"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passkey(last_used_at: Option<i64>) -> PasskeyInfo {
        PasskeyInfo {
            id: "p1".to_owned(),
            name: "Laptop".to_owned(),
            created_at: 1_795_801_560,
            last_used_at,
        }
    }

    #[test]
    fn a_passkey_says_when_it_was_added_and_last_used() {
        assert_eq!(
            dates_text(&passkey(None)),
            "Added 2026-11-27 17:46 UTC · never used"
        );
        assert_eq!(
            dates_text(&passkey(Some(1_795_805_160))),
            "Added 2026-11-27 17:46 UTC · last used 2026-11-27 18:46 UTC"
        );
    }
}
