//! The site header: brand, and either "Log in / Sign up" or "Dashboard / Account / Log out"
//! (with "Admin" for a token that claims the admin role).

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::auth::logout;
use crate::auth_context::use_auth;
use crate::workarounds::show_when;

#[component]
pub fn Nav() -> impl IntoView {
    let auth = use_auth();
    // Not `ServerAction`, whose URL error decoding (for `<ActionForm>`) this app never uses.
    let logout_action = Action::new(|_: &()| logout());
    let navigate = use_navigate();
    let on_logout = move |_| {
        logout_action.dispatch(());
        auth.logged_out();
        navigate("/", Default::default());
    };

    view! {
        <header class="site-header">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <nav class="nav" aria-label="Main">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "Tokengate"
                </a>
                <ul class="nav-links">
                    {show_when(
                        move || auth.is_logged_in(),
                        move || {
                            view! {
                                <li><a href="/dashboard">"Dashboard"</a></li>
                                <li><a href="/account">"Account"</a></li>
                                // The token's claim only decides the link; /admin asks the server.
                                {move || auth.claims_admin().then(|| view! { <li><a href="/admin">"Admin"</a></li> })}
                                <li>
                                    <button type="button" class="button button-small button-ghost" on:click=on_logout.clone()>
                                        "Log out"
                                    </button>
                                </li>
                            }
                        },
                        || {
                            view! {
                                <li><a href="/login">"Log in"</a></li>
                                <li><a class="button button-small" href="/signup">"Sign up"</a></li>
                            }
                        },
                    )}
                </ul>
            </nav>
        </header>
    }
}
