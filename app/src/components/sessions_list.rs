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
    let version = RwSignal::new(0u32);
    let sessions = LocalResource::new(move || {
        version.track();
        auth.with_session(list_sessions)
    });
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);

    let end_one = move |id: String| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = auth.with_session(|| end_session(id.clone())).await;
            message.set(Some(match result {
                Ok(_) => "Session signed out.".to_owned(),
                Err(err) => err.message,
            }));
            busy.set(false);
            version.update(|v| *v += 1);
        });
    };
    let end_others = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = auth.with_session(end_other_sessions).await;
            message.set(Some(match result {
                Ok(ended) => format!("Signed out of {} other session(s).", ended.ended),
                Err(err) => err.message,
            }));
            busy.set(false);
            version.update(|v| *v += 1);
        });
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
