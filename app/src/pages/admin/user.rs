//! `/admin/users/<id>`: one account as an administrator sees it (its facts, second factor, live
//! sessions and security events) and what can be done to it (`user_actions`).

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::user_actions::{UserActions, UserResource};
use super::{load_error, role_badge, state_badge, AdminSection, AdminTabs};
use crate::api::admin::{admin_user_details, UserDetails};
use crate::api::SessionInfo;
use crate::auth_context::use_auth;
use crate::components::activity_list::ActivityList;
use crate::components::require_auth::RequireAuth;
use crate::time_fmt::utc_datetime;
use crate::workarounds::SyncHydrate;

/// Events shown before "Show all" (the server sends the newest 100).
const EVENTS_SHOWN: usize = 20;

#[component]
pub fn AdminUserPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).unwrap_or_default());
    // The router keeps this page when only the id changes: rebuild it for the new account.
    SyncHydrate(view! {
        <Title text="User · Admin · Tokengate" />
        {move || {
            let id = id.get();
            view! {
                <RequireAuth path=format!("/admin/users/{id}")>
                    <AdminUser id=id.clone() />
                </RequireAuth>
            }
        }}
    })
}

#[component]
fn AdminUser(id: String) -> impl IntoView {
    let auth = use_auth();
    let details: UserResource = LocalResource::new(move || {
        let id = id.clone();
        auth.with_session(move || admin_user_details(id.clone()))
    });
    // Three parts read the one fetch: the facts (or why there are none), the actions (mounted
    // once, see `UserActions`), then the sessions and events. Each in a SyncHydrate, which also
    // boxes its server `resolve` future: nested in one, the page's is deeper than rustc's
    // default recursion limit.
    view! {
        <section class="admin admin-user">
            <AdminTabs current=AdminSection::Users />
            {SyncHydrate(view! {
                <Transition fallback=|| view! {
                    <h1>"User"</h1>
                    <p class="checking" role="status">"Loading the account…"</p>
                }>
                    {move || details.get().map(|result| match result {
                        Ok(user) => Either::Left(facts(user)),
                        Err(err) => Either::Right(view! { <h1>"User"</h1> {load_error(err)} }),
                    })}
                </Transition>
            })}
            {SyncHydrate(view! { <UserActions details=details /> })}
            {SyncHydrate(view! {
                <Transition fallback=|| ()>
                    {move || details.get().and_then(Result::ok).map(history)}
                </Transition>
            })}
        </section>
    }
}

fn facts(d: UserDetails) -> impl IntoView {
    let u = d.user;
    let second_factor = if d.mfa_enabled {
        format!("On · {} recovery codes left", d.recovery_codes_left)
    } else {
        "Off".to_owned()
    };
    view! {
        <div class="admin-user-head">
            <h1 data-testid="admin-username">{u.username}</h1>
            {state_badge(u.disabled)}
            {role_badge(u.role)}
        </div>
        <section class="card" aria-labelledby="facts-title">
            <h2 id="facts-title">"Account"</h2>
            <dl class="facts">
                <div><dt>"User id"</dt><dd><code>{u.id}</code></dd></div>
                <div>
                    <dt>"E-mail"</dt>
                    <dd>
                        {match u.email {
                            Some(email) => Either::Left(view! {
                                <span class="address">{email}</span>
                                {if u.email_verified { " (verified)" } else { " (not verified)" }}
                            }),
                            None => Either::Right("None"),
                        }}
                    </dd>
                </div>
                <div><dt>"Created"</dt><dd>{utc_datetime(u.created_at)}</dd></div>
                <div>
                    <dt>"Last login"</dt>
                    <dd>{u.last_login_at.map_or_else(|| "Never".to_owned(), utc_datetime)}</dd>
                </div>
                <div><dt>"Second factor"</dt><dd data-testid="user-mfa">{second_factor}</dd></div>
            </dl>
        </section>
    }
}

/// The live sessions and the security events.
fn history(d: UserDetails) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="user-sessions-title">
            <h2 id="user-sessions-title">{format!("Sessions ({})", d.sessions.len())}</h2>
            {if d.sessions.is_empty() {
                Either::Left(view! { <p class="muted" data-testid="no-sessions">"No live sessions."</p> })
            } else {
                Either::Right(view! { <ul class="sessions">{d.sessions.into_iter().map(session_row).collect_view()}</ul> })
            }}
        </section>
        <section class="card" aria-labelledby="user-events-title">
            <h2 id="user-events-title">"Security events"</h2>
            <ActivityList events=d.events limit=EVENTS_SHOWN empty_text="No events recorded." />
        </section>
    }
}

fn session_row(s: SessionInfo) -> impl IntoView {
    view! {
        <li class="session" data-testid="user-session">
            <div>
                <p class="session-agent">{s.user_agent}</p>
                <p class="muted">
                    "Signed in " {utc_datetime(s.created_at)} " · last active " {utc_datetime(s.last_used_at)}
                </p>
            </div>
        </li>
    }
}
