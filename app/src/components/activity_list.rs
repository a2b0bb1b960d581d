//! A list of security events (the audit trail): what happened in words, when, in which browser and
//! from which address. Shared by the account page ("Recent security activity", the caller's own)
//! and the admin pages (one user's, and the global feed).

use leptos::either::Either;
use leptos::prelude::*;

use crate::api::admin::{account_events, SecurityEvent};
use crate::auth_context::use_auth;
use crate::time_fmt::utc_datetime;

/// Every event kind the server records (`server::audit::EventKind`), in its order, with what a
/// filter calls it. A test checks the list against the server's.
pub const EVENT_KINDS: [(&str, &str); 26] = [
    ("signup", "Account created"),
    ("login_succeeded", "Logged in"),
    ("login_failed", "Login failed"),
    ("mfa_passed", "Second factor passed"),
    ("mfa_failed", "Wrong second-factor code"),
    ("account_locked", "Login locked"),
    ("refresh_token_reused", "Refresh token reused"),
    ("grace_replay", "Refresh replayed in its grace period"),
    ("session_ended", "Session ended"),
    ("password_changed", "Password changed"),
    ("password_reset", "Password reset"),
    ("email_change_requested", "E-mail change requested"),
    ("email_verified", "E-mail address verified"),
    ("mfa_enabled", "Second factor turned on"),
    ("mfa_disabled", "Second factor turned off"),
    ("recovery_codes_regenerated", "New recovery codes"),
    ("account_disabled", "Account disabled"),
    ("account_enabled", "Account enabled"),
    ("role_changed", "Role changed"),
    ("signed_out_by_admin", "Signed out by an administrator"),
    ("mfa_reset", "Second factor reset"),
    ("account_deleted", "Account deleted"),
    ("passkey_added", "Passkey added"),
    ("passkey_removed", "Passkey removed"),
    ("passkey_refused", "Passkey refused"),
    (
        "dpop_refused",
        "Refresh refused: wrong or missing key proof",
    ),
];

/// What a filter calls `kind`; the kind itself for one this client does not know.
pub fn kind_label(kind: &str) -> &str {
    EVENT_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(kind, |(_, label)| label)
}

/// One event in words, its reason included ("Wrong password", "Logged out").
pub fn event_label(event: &SecurityEvent) -> String {
    let reason = event.reason.as_deref();
    let text = match (event.kind.as_str(), reason) {
        ("login_failed", Some("wrong_password")) => "Wrong password",
        ("login_failed", Some("locked")) => "Login refused: too many failed attempts",
        ("login_failed", Some("account_disabled")) => "Login refused: the account is disabled",
        ("mfa_passed", Some("recovery_code")) => "Second factor passed with a recovery code",
        ("account_locked", _) => "Login locked after repeated failures",
        ("refresh_token_reused", _) => "A used refresh token came back: the session was ended",
        ("session_ended", Some("logout")) => "Logged out",
        ("session_ended", Some("logout_all")) => "Logged out everywhere",
        ("session_ended", Some("ended_others")) => "Signed out every other session",
        ("session_ended", Some("ended_by_user")) => "Signed out a session",
        ("role_changed", Some(role)) => return format!("Role changed to {role}"),
        (kind, _) => kind_label(kind),
    };
    text.to_owned()
}

/// Who made an administrative change, when it was not the user: "by an administrator" (an admin
/// call) or "from the command line" (the operator). `None` for everything else.
fn done_by(event: &SecurityEvent) -> Option<&'static str> {
    const ADMIN_KINDS: [&str; 5] = [
        "account_disabled",
        "account_enabled",
        "role_changed",
        "signed_out_by_admin",
        "mfa_reset",
    ];
    if !ADMIN_KINDS.contains(&event.kind.as_str()) {
        return None;
    }
    match event.actor_id.as_deref() {
        Some(actor) if Some(actor) != event.user_id.as_deref() => Some("by an administrator"),
        Some(_) => None,
        None => Some("from the command line"),
    }
}

/// The events, newest first as given. With `limit`, only that many until "Show all"; with
/// `link_users`, each row links to its user's admin page (the global feed).
#[component]
pub fn ActivityList(
    events: Vec<SecurityEvent>,
    #[prop(optional)] limit: Option<usize>,
    #[prop(optional)] link_users: bool,
    /// Shown instead of an empty list.
    empty_text: &'static str,
) -> impl IntoView {
    let total = events.len();
    let events = StoredValue::new(events);
    let show_all = RwSignal::new(false);
    let shown = move || match limit {
        Some(limit) if !show_all.get() => limit.min(total),
        _ => total,
    };

    let row = move |e: SecurityEvent| {
        let by = done_by(&e);
        let user = e.user_id.clone().filter(|_| link_users);
        let whence = [e.user_agent.clone(), e.client_address.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        view! {
            <li class="activity-item" data-testid="activity-row" data-kind=e.kind.clone()>
                <p class="activity-what">
                    {event_label(&e)}
                    {by.map(|by| view! { <span class="muted">" " {by}</span> })}
                </p>
                <p class="activity-meta muted">
                    <span class="activity-time">{utc_datetime(e.at)}</span>
                    {(!whence.is_empty()).then(|| view! { " · " <span class="activity-whence">{whence}</span> })}
                    {user.map(|id| view! {
                        " · " <a class="activity-user" href=format!("/admin/users/{id}")>"User " <code>{short_id(&id).to_owned()}</code></a>
                    })}
                </p>
            </li>
        }
    };

    if total == 0 {
        return Either::Left(
            view! { <p class="muted" data-testid="activity-empty">{empty_text}</p> },
        );
    }
    Either::Right(view! {
        <ol class="activity">
            {move || events.with_value(|all| all.iter().take(shown()).cloned().map(row).collect_view())}
        </ol>
        {limit.filter(|limit| total > *limit).map(|_| view! {
            <button type="button" class="button button-small activity-toggle"
                aria-expanded=move || show_all.get().to_string()
                on:click=move |_| show_all.update(|all| *all = !*all)>
                {move || if show_all.get() { "Show fewer".to_owned() } else { format!("Show all {total}") }}
            </button>
        })}
    })
}

/// The first block of a UUID: enough to tell users apart in a list, with the full id on their page.
fn short_id(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

/// Newest events shown on the account page before "Show all".
pub const ACCOUNT_ACTIVITY_SHOWN: usize = 20;

/// The account page's card: the caller's own recent security events.
#[component]
pub fn AccountActivity() -> impl IntoView {
    let auth = use_auth();
    let events = LocalResource::new(move || auth.with_session(account_events));
    view! {
        <section class="card activity-card" aria-labelledby="activity-title">
            <h2 id="activity-title">"Recent security activity"</h2>
            <p class="muted">"Logins, sign-outs and changes to your account. Anything you do not recognise? Change your password and sign out everywhere else."</p>
            <Transition fallback=|| view! { <p class="checking" role="status">"Loading your activity…"</p> }>
                {move || events.get().map(|result| match result {
                    Ok(list) => Either::Left(view! {
                        <ActivityList events=list limit=ACCOUNT_ACTIVITY_SHOWN empty_text="Nothing recorded yet." />
                    }),
                    Err(err) => Either::Right(view! { <p class="form-error" role="alert">{err.message}</p> }),
                })}
            </Transition>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, reason: Option<&str>) -> SecurityEvent {
        SecurityEvent {
            id: "e".into(),
            at: 0,
            kind: kind.into(),
            user_id: Some("u".into()),
            actor_id: Some("u".into()),
            session_id: None,
            client_address: None,
            user_agent: None,
            reason: reason.map(Into::into),
        }
    }

    #[test]
    fn events_read_as_words_with_their_reason() {
        assert_eq!(event_label(&event("login_succeeded", None)), "Logged in");
        assert_eq!(
            event_label(&event("login_failed", Some("wrong_password"))),
            "Wrong password"
        );
        assert_eq!(
            event_label(&event("mfa_passed", Some("totp"))),
            "Second factor passed"
        );
        assert_eq!(
            event_label(&event("role_changed", Some("admin"))),
            "Role changed to admin"
        );
        assert_eq!(
            event_label(&event("session_ended", Some("logout"))),
            "Logged out"
        );
        assert_eq!(
            event_label(&event("brand_new_kind", None)),
            "brand_new_kind"
        );
    }

    #[test]
    fn admin_changes_say_who_made_them() {
        let mut disabled = event("account_disabled", None);
        disabled.actor_id = Some("admin".into());
        assert_eq!(done_by(&disabled), Some("by an administrator"));
        disabled.actor_id = None;
        assert_eq!(done_by(&disabled), Some("from the command line"));
        assert_eq!(done_by(&event("login_failed", None)), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_filter_lists_exactly_the_kinds_the_server_records() {
        let server: Vec<&str> = crate::server::audit::EventKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect();
        let ours: Vec<&str> = EVENT_KINDS.iter().map(|(k, _)| *k).collect();
        assert_eq!(ours, server);
    }
}
