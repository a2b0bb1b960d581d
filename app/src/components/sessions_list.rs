//! The caller's active sessions, each with "Sign out", plus "Sign out everywhere else".

use leptos::either::Either;
use leptos::prelude::*;

use crate::api::sessions::{end_other_sessions, end_session, list_sessions};
use crate::api::SessionInfo;
use crate::auth_context::use_auth;
use crate::time_fmt::utc_datetime;

#[component]
pub fn SessionsList() -> impl IntoView {
    let auth = use_auth();
    let sessions = LocalResource::new(move || auth.with_session(list_sessions));
    let message = RwSignal::new(None::<String>);
    // `Some(id)` signs out that session, `None` every other one.
    let end = Action::new_local(move |target: &Option<String>| {
        let target = target.clone();
        async move {
            match target {
                Some(id) => auth
                    .with_session(|| end_session(id.clone()))
                    .await
                    .map(|_| "Session signed out.".to_owned()),
                None => auth
                    .with_session(end_other_sessions)
                    .await
                    .map(|ended| format!("Signed out of {} other session(s).", ended.ended)),
            }
        }
    });
    let busy = end.pending();
    Effect::new(move |_| {
        if let Some(result) = end.value().get() {
            message.set(Some(result.unwrap_or_else(|err| err.message)));
            sessions.refetch();
        }
    });
    let end_one = move |id: String| {
        end.dispatch_local(Some(id));
    };
    let end_others = move |_| {
        end.dispatch_local(None);
    };

    let row = move |s: SessionInfo| {
        let id = s.id.clone();
        view! {
            <li class="session" data-testid="session-row" data-current=s.current.to_string()>
                <div>
                    <p class="session-agent">{s.user_agent.clone()}</p>
                    <p class="muted">
                        "Signed in " {utc_datetime(s.created_at)} " · last active " {utc_datetime(s.last_used_at)}
                    </p>
                </div>
                {if s.current {
                    Either::Left(view! { <span class="badge">"This device"</span> })
                } else {
                    Either::Right(view! {
                        <button type="button" class="button button-small" disabled=move || busy.get()
                            on:click=move |_| end_one(id.clone())>"Sign out"</button>
                    })
                }}
            </li>
        }
    };

    view! {
        <section class="card" aria-labelledby="sessions-title">
            <div class="inspector-head">
                <h2 id="sessions-title">"Where you're signed in"</h2>
                <button type="button" class="button button-small" disabled=move || busy.get() on:click=end_others>
                    "Sign out everywhere else"
                </button>
            </div>
            <p class="notice-inline" role="status">{move || message.get()}</p>
            <Transition fallback=|| view! { <p class="checking" role="status">"Loading sessions…"</p> }>
                {move || sessions.get().map(|result| match result {
                    Ok(list) => Either::Left(view! { <ul class="sessions">{list.into_iter().map(row).collect_view()}</ul> }),
                    Err(err) => Either::Right(view! { <p class="form-error" role="alert">{err.message}</p> }),
                })}
            </Transition>
        </section>
    }
}
