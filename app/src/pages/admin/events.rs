//! `/admin/events?type=`: the audit trail of every account, newest first (the server's last 100),
//! optionally of one kind. The kind is in the URL, so a filtered feed can be reloaded and shared.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::location::Url;

use super::{load_error, AdminSection, AdminTabs};
use crate::api::admin::admin_events;
use crate::auth_context::use_auth;
use crate::components::activity_list::{ActivityList, EVENT_KINDS};
use crate::components::require_auth::RequireAuth;
use crate::workarounds::SyncHydrate;

#[component]
pub fn AdminEventsPage() -> impl IntoView {
    SyncHydrate(view! {
        <Title text="Security events · Admin · Tokengate" />
        <RequireAuth path="/admin/events">
            <AdminEvents />
        </RequireAuth>
    })
}

#[component]
fn AdminEvents() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    let kind = Memo::new(move |_| query.with(|m| m.get("type")).unwrap_or_default());
    let events = LocalResource::new(move || {
        let kind = Some(kind.get()).filter(|k| !k.is_empty());
        auth.with_session(move || admin_events(None, kind.clone()))
    });
    let on_change = move |ev: leptos::ev::Event| {
        let chosen = event_target_value(&ev);
        let href = match chosen.as_str() {
            "" => "/admin/events".to_owned(),
            k => format!("/admin/events?type={}", Url::escape(k)),
        };
        navigate(&href, Default::default());
    };

    view! {
        <section class="admin">
            <AdminTabs current=AdminSection::Events />
            <h1>"Security events"</h1>
            {move || auth.claims_admin().then(|| view! {
                <div class="field admin-filter">
                    <label for="event-type">"Type"</label>
                    <select id="event-type" on:change=on_change.clone() prop:value=move || kind.get()>
                        <option value="">"All types"</option>
                        {EVENT_KINDS.iter().map(|(k, label)| view! {
                            <option value=*k selected=move || kind.get() == *k>{*label}</option>
                        }).collect_view()}
                    </select>
                </div>
            })}
            <Transition fallback=|| view! { <p class="checking" role="status">"Loading events…"</p> }>
                {move || events.get().map(|result| match result {
                    Ok(list) => Either::Left(view! {
                        <p class="muted admin-summary" role="status" data-testid="events-summary">
                            {summary(list.len())}
                        </p>
                        <div class="card">
                            <ActivityList events=list link_users=true empty_text="No events of this type." />
                        </div>
                    }),
                    Err(err) => Either::Right(load_error(err)),
                })}
            </Transition>
        </section>
    }
}

fn summary(shown: usize) -> String {
    match shown {
        1 => "The only event.".to_owned(),
        n if n as i64 >= crate::api::admin::EVENTS_LIMIT => format!("The newest {n} events."),
        n => format!("{n} events."),
    }
}
