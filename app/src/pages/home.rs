use leptos::prelude::*;
use leptos_meta::Title;

use crate::auth_context::use_auth;
use crate::workarounds::show_when;
use crate::workarounds::SyncHydrate;

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    SyncHydrate(view! {
        <Title text="Tokengate: token authentication, end to end" />
        <section class="hero">
            <h1>"Log in once. Carry a token. Scale without sessions."</h1>
            <p class="lead">
                "Tokengate signs a JSON Web Token when you log in. Your browser keeps it and sends it with every
                protected request; the server only checks its signature, so it never has to look you up in a session store."
            </p>
            <div class="actions">
                {show_when(
                    move || auth.is_logged_in(),
                    || view! { <a class="button button-primary" href="/dashboard">"Go to your dashboard"</a> },
                    || view! {
                        <a class="button button-primary" href="/signup">"Sign up"</a>
                        <a class="button" href="/login">"Log in"</a>
                    },
                )}
            </div>
        </section>
        <section class="steps" aria-labelledby="how-title">
            <h2 id="how-title">"How it works"</h2>
            <ol class="step-list">
                <li><strong>"You send your username and password"</strong>" from the login form."</li>
                <li><strong>"The server checks them"</strong>" against its database (Argon2id hashes)."</li>
                <li><strong>"It signs a token"</strong>" carrying your id, name and role, valid for a few minutes."</li>
                <li><strong>"Your browser keeps it"</strong>" in localStorage."</li>
                <li><strong>"Every protected call carries it"</strong>" in the "<code>"Authorization"</code>" header."</li>
                <li><strong>"The server verifies the signature"</strong>" and answers; calls that touch your account also check that your session is still live."</li>
            </ol>
        </section>
    })
}
