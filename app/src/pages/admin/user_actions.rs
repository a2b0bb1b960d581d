//! What an administrator can do to an account, each behind an inline "Are you sure?" step: the
//! question says what will happen, focus moves to Confirm, Cancel (or Escape) puts it back on the
//! button that asked. After a change the page refetches the account.

use leptos::html::Button;
use leptos::prelude::*;

use super::USER_ROLE;
use crate::api::admin::{admin_act, UserDetails};
use crate::auth_context::{use_auth, ADMIN_ROLE};
use crate::error::ApiError;
use crate::workarounds::show_when;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdminAction {
    Disable,
    Enable,
    SignOut,
    ResetMfa,
    MakeAdmin,
    MakeUser,
}

impl AdminAction {
    /// `action` and `role` of `admin_act`.
    fn wire(self) -> (&'static str, Option<&'static str>) {
        match self {
            Self::Disable => ("disable", None),
            Self::Enable => ("enable", None),
            Self::SignOut => ("sign-out", None),
            Self::ResetMfa => ("reset-mfa", None),
            Self::MakeAdmin => ("role", Some(ADMIN_ROLE)),
            Self::MakeUser => ("role", Some(USER_ROLE)),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Disable => "Disable",
            Self::Enable => "Enable",
            Self::SignOut => "Sign out everywhere",
            Self::ResetMfa => "Reset second factor",
            Self::MakeAdmin => "Make admin",
            Self::MakeUser => "Make user",
        }
    }

    fn question(self, name: &str) -> String {
        let consequence = match self {
            Self::Disable => format!(
                "This ends every session of {name}, who cannot log in again until the account is enabled."
            ),
            Self::Enable => format!("{name} will be able to log in again."),
            Self::SignOut => format!("This ends every session of {name}."),
            Self::ResetMfa => format!(
                "This removes the second factor of {name} and its recovery codes, and ends every session of {name}."
            ),
            Self::MakeAdmin => format!("{name} will be able to see and change every account."),
            Self::MakeUser => format!("{name} will lose access to the administration pages."),
        };
        format!("Are you sure? {consequence}")
    }

    fn done(self, name: &str) -> String {
        match self {
            Self::Disable => format!("{name} is disabled and signed out everywhere."),
            Self::Enable => format!("{name} can log in again."),
            Self::SignOut => format!("{name} is signed out everywhere."),
            Self::ResetMfa => {
                format!("The second factor of {name} is removed; they are signed out everywhere.")
            }
            Self::MakeAdmin => format!("{name} is an administrator."),
            Self::MakeUser => format!("{name} is no longer an administrator."),
        }
    }
}

/// The buttons that open a confirmation, one per place in the row (Disable and Enable share
/// one, as do the two role changes: only one of each pair is ever shown).
#[derive(Clone, Copy)]
struct Openers {
    state: NodeRef<Button>,
    sign_out: NodeRef<Button>,
    reset_mfa: NodeRef<Button>,
    role: NodeRef<Button>,
}

impl Openers {
    fn of(self, action: AdminAction) -> NodeRef<Button> {
        match action {
            AdminAction::Disable | AdminAction::Enable => self.state,
            AdminAction::SignOut => self.sign_out,
            AdminAction::ResetMfa => self.reset_mfa,
            AdminAction::MakeAdmin | AdminAction::MakeUser => self.role,
        }
    }
}

/// The account being looked at, fetched once for the whole page.
pub type UserResource = LocalResource<Result<UserDetails, ApiError>>;

/// The Actions card: mounted once beside the page's other cards (not rebuilt with them on each
/// refetch), so its message and the focus on it survive the refetch that follows a change.
#[component]
pub fn UserActions(details: UserResource) -> impl IntoView {
    let auth = use_auth();
    let loaded = move || details.get().and_then(Result::ok);
    let name = move || loaded().map(|d| d.user.username).unwrap_or_default();
    let confirming = RwSignal::new(None::<AdminAction>);
    let message = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let message_ref = NodeRef::<leptos::html::P>::new();
    let confirm_ref = NodeRef::<Button>::new();
    let openers = Openers {
        state: NodeRef::new(),
        sign_out: NodeRef::new(),
        reset_mfa: NodeRef::new(),
        role: NodeRef::new(),
    };

    let act = Action::new_local(move |(id, action, name): &(String, AdminAction, String)| {
        let (id, action, name) = (id.clone(), *action, name.clone());
        let (verb, role) = action.wire();
        async move {
            auth.with_session(|| admin_act(id.clone(), verb.to_owned(), role.map(str::to_owned)))
                .await
                .map(|_| action.done(&name))
        }
    });
    let pending = act.pending();
    Effect::new(move |_| match act.value().get() {
        Some(Ok(done)) => {
            confirming.set(None);
            message.set(Some(done));
            // Once the text is in (an empty message is not displayed, and cannot take focus).
            request_animation_frame(move || {
                if let Some(p) = message_ref.get_untracked() {
                    let _ = p.focus();
                }
            });
            details.refetch();
        }
        Some(Err(err)) => error.set(Some(err.message)),
        None => {}
    });
    // Confirm takes focus whenever a question appears or changes.
    Effect::new(move |_| {
        confirming.track();
        if let Some(button) = confirm_ref.get() {
            let _ = button.focus();
        }
    });

    let ask = move |action: AdminAction| {
        message.set(None);
        error.set(None);
        confirming.set(Some(action));
    };
    let cancel = move || {
        if let Some(action) = confirming.get_untracked() {
            confirming.set(None);
            if let Some(button) = openers.of(action).get_untracked() {
                let _ = button.focus();
            }
        }
    };
    let confirm = move |_| {
        let target = details.get_untracked().and_then(Result::ok);
        if let (Some(action), Some(d)) = (confirming.get_untracked(), target) {
            if !pending.get_untracked() {
                act.dispatch_local((d.user.id, action, d.user.username));
            }
        }
    };

    let button = move |action: AdminAction| {
        view! {
            <button type="button" class="button button-small" node_ref=openers.of(action)
                aria-expanded=move || (confirming.get() == Some(action)).to_string()
                disabled=move || pending.get()
                on:click=move |_| ask(action)>
                {action.label()}
            </button>
        }
    };
    // Only the buttons follow each fetch; the card, its question and its message stay mounted.
    let buttons = move || {
        loaded().map(|d| {
            // The caller's own account: no button that would lock them out here (another
            // administrator, or `tokengate users` at the command line, can still do it).
            let own = auth.claimed_user_id().as_deref() == Some(d.user.id.as_str());
            view! {
                {own.then(|| view! {
                    <p class="muted">"This is your own account: another administrator can disable it or take away its admin role."</p>
                })}
                <div class="actions">{available(&d, own).into_iter().map(button).collect_view()}</div>
            }
        })
    };

    let card = move || {
        view! {
            <section class="card" aria-labelledby="actions-title">
                <h2 id="actions-title">"Actions"</h2>
                {buttons}
                {move || confirming.get().map(|action| view! {
                    <div class="confirm-panel" role="group" aria-labelledby="confirm-question"
                        on:keydown=move |ev| if ev.key() == "Escape" { cancel() }>
                        <p id="confirm-question" data-testid="confirm-question">{action.question(&name())}</p>
                        <div class="actions">
                            <button type="button" class="button button-small button-danger" node_ref=confirm_ref
                                disabled=move || pending.get() aria-busy=move || pending.get().to_string()
                                on:click=confirm>
                                {move || if pending.get() { "Working…" } else { "Confirm" }}
                            </button>
                            <button type="button" class="button button-small" disabled=move || pending.get()
                                on:click=move |_| cancel()>"Cancel"</button>
                        </div>
                    </div>
                })}
                <p class="form-error" role="alert">{move || error.get()}</p>
                <p class="notice-inline" role="status" tabindex="-1" node_ref=message_ref data-testid="action-message">
                    {move || message.get()}
                </p>
            </section>
        }
    };
    show_when(
        move || details.with(|d| matches!(d, Some(Ok(_)))),
        card,
        || (),
    )
}

/// The actions that make sense for the account now, in the order of the row.
fn available(d: &UserDetails, own: bool) -> Vec<AdminAction> {
    let state = match d.user.disabled {
        true => Some(AdminAction::Enable),
        false => (!own).then_some(AdminAction::Disable),
    };
    let role = match d.user.role == ADMIN_ROLE {
        true => (!own).then_some(AdminAction::MakeUser),
        false => Some(AdminAction::MakeAdmin),
    };
    [
        state,
        (!d.sessions.is_empty()).then_some(AdminAction::SignOut),
        d.mfa_enabled.then_some(AdminAction::ResetMfa),
        role,
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_asks_what_it_will_do() {
        assert_eq!(
            AdminAction::SignOut.question("ann"),
            "Are you sure? This ends every session of ann."
        );
        assert_eq!(AdminAction::MakeUser.wire(), ("role", Some("user")));
        assert_eq!(AdminAction::ResetMfa.wire(), ("reset-mfa", None));
    }
}
