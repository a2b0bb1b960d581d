//! `/verify-email?token=...`: confirms an e-mail address with the link from a verification mail.
//!
//! Only the click on "Confirm" sends the token. Mail scanners and link previews open links with
//! GET (and some run scripts): nothing may happen on load or on hydration, or they would verify
//! addresses on behalf of whoever typed them.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::email::verify_email;
use crate::auth_context::use_auth;
use crate::components::needs_js::NeedsJsNotice;
use crate::error::{ApiError, ErrorCode};
use crate::workarounds::{show_when, SyncHydrate};

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let action = Action::new(|token: &String| verify_email(token.clone()));
    let pending = action.pending();
    let verified = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(done)) => verified.set(Some(done.email)),
        Some(Err(err)) => error.set(Some(err)),
        None => {}
    });

    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        error.set(None);
        let token = query.with_untracked(|q| q.get("token")).unwrap_or_default();
        action.dispatch(token);
    };

    SyncHydrate(view! {
        <Title text="Confirm your e-mail address · Tokengate" />
        <section class="narrow">
            {show_when(
                move || verified.with(Option::is_some),
                move || view! {
                    <h1>"Address confirmed"</h1>
                    <div class="card verify-card">
                        <p role="status" data-testid="verified">
                            <strong class="address">{verified.get().unwrap_or_default()}</strong>" is verified."
                        </p>
                        <p class="muted">"You can use it to log in and to reset a forgotten password."</p>
                        {if auth.is_logged_in() {
                            Either::Left(view! { <a class="button button-primary button-block" href="/account">"Go to your account"</a> })
                        } else {
                            Either::Right(view! { <a class="button button-primary button-block" href="/login">"Log in"</a> })
                        }}
                    </div>
                },
                move || view! {
                    <h1>"Confirm your e-mail address"</h1>
                    <NeedsJsNotice />
                    <div class="card verify-card">
                        <p>"Confirm that this address belongs to your Tokengate account. Nothing changes until you do."</p>
                        <p class="form-error" role="alert">
                            {move || error.get().map(|err| match err.error {
                                ErrorCode::InvalidVerifyToken => Either::Left(view! {
                                    {err.message} " " <a href="/account">"Go to your account"</a>
                                }),
                                _ => Either::Right(err.message),
                            })}
                        </p>
                        // A form, so that without JavaScript the click still reaches the server
                        // (which asks for JavaScript); scanners only ever GET.
                        <form method="post" on:submit=confirm>
                            <button type="submit" class="button button-primary button-block"
                                disabled=move || pending.get() aria-busy=move || pending.get().to_string()>
                                {move || if pending.get() { "Sending…" } else { "Confirm" }}
                            </button>
                        </form>
                    </div>
                },
            )}
        </section>
    })
}
