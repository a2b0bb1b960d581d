use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::account::{account, me};
use crate::api::AccountDetails;
use crate::auth_context::use_auth;
use crate::components::require_auth::RequireAuth;
use crate::components::token_inspector::TokenInspector;
use crate::error::{ApiError, ErrorCode};
use crate::time_fmt::utc_datetime;
use crate::workarounds::SyncHydrate;

#[component]
pub fn DashboardPage() -> impl IntoView {
    SyncHydrate(view! {
        <Title text="Dashboard · Tokengate" />
        <RequireAuth path="/dashboard">
            <Dashboard />
        </RequireAuth>
    })
}

#[component]
fn Dashboard() -> impl IntoView {
    let auth = use_auth();
    // Protected data is fetched only in the browser, where the token is (never during SSR);
    // a 401 triggers one refresh and retry.
    let me = LocalResource::new(move || auth.with_session(me));
    let account = LocalResource::new(move || auth.with_session(account));

    // A token the server refuses (tampered, expired, signed by another key) ends the session;
    // the page guard then sends the user to log in again.
    let rejected = move |result: Option<Result<_, ApiError>>| {
        matches!(
            result,
            Some(Err(ApiError {
                error: ErrorCode::InvalidToken,
                ..
            }))
        )
    };
    Effect::new(move |_| {
        if rejected(me.get().map(|r| r.map(|_| ())))
            || rejected(account.get().map(|r| r.map(|_| ())))
        {
            auth.logged_out();
        }
    });

    view! {
        <section class="dashboard">
            <Transition fallback=|| view! { <p class="checking" role="status">"Loading your profile…"</p> }>
                {move || me.get().map(|result| match result {
                    Ok(me) => Either::Left(view! {
                        <h1 data-testid="greeting">"Hello, " {me.username.clone()}</h1>
                        <p class="muted">"Role: " <span data-testid="role">{me.role}</span> " · User id: " <code>{me.id}</code></p>
                    }),
                    Err(err) => Either::Right(view! { <p class="form-error" role="alert">{err.message}</p> }),
                })}
                {move || account.get().map(|result| match result {
                    Ok(account) => Either::Left(view! {
                        <p class="member-since" data-testid="member-since">
                            "Member since " {utc_datetime(account.created_at)}
                            <span class="muted">" (from the database, via a protected server function)"</span>
                        </p>
                        {recovery_reminder(&account)}
                    }),
                    Err(_) => Either::Right(()),
                })}
            </Transition>
            <TokenInspector token=Signal::derive(move || auth.token()) />
        </section>
    }
}

/// A nudge towards a recoverable account: without a verified address a forgotten password
/// cannot be reset. Nothing for an account that has one (a pending change included).
fn recovery_reminder(account: &AccountDetails) -> Option<impl IntoView> {
    let text = match (&account.email, account.email_verified) {
        (Some(_), true) => return None,
        (Some(_), false) => "Verify your e-mail address so you can recover your account.",
        (None, _) => "Add an e-mail address so you can recover your account.",
    };
    Some(view! {
        <aside class="notice reminder" data-testid="email-reminder">
            <p>{text}</p>
            <a href="/account">"Go to your account"</a>
        </aside>
    })
}
