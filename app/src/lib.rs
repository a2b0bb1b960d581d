//! Tokengate: the Leptos application (pages, components, server functions).
//!
//! Compiled twice: with `ssr` into the server (server functions run there, `server/` exists),
//! and with `hydrate` into the browser's WASM (server functions become HTTP calls).

pub mod api;
pub mod auth_context;
pub mod client;
pub mod components;
pub mod error;
pub mod next_path;
pub mod pages;
pub mod policy;
pub mod time_fmt;
pub mod workarounds;

#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy};

use crate::auth_context::provide_auth;
use crate::components::nav::Nav;
use crate::pages::lazy::{
    AccountRoute, AdminEventsRoute, AdminUserRoute, AdminUsersRoute, DashboardRoute,
    ForgotPasswordRoute, HomeRoute, ResetPasswordRoute, SignupRoute, VerifyEmailRoute,
};
use crate::pages::{login::LoginPage, not_found::NotFoundPage};

/// The HTML document around the app (rendered on the server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    server::csp::apply(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                // `/pkg/tokengate.css`, or its content-hashed name when LEPTOS_HASH_FILES=true.
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_auth();

    view! {
        <Title text="Tokengate" />
        <Router>
            <Nav />
            <main id="main" class="container" tabindex="-1">
                <Routes fallback=|| view! { <NotFoundPage /> }>
                    // The login page is in the main WASM; every other page is a chunk of its
                    // own, loaded when it is first shown (pages/lazy.rs).
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/") view={Lazy::<HomeRoute>::new()} />
                    <Route path=path!("/signup") view={Lazy::<SignupRoute>::new()} />
                    <Route path=path!("/dashboard") view={Lazy::<DashboardRoute>::new()} />
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} />
                    <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} />
                    <Route path=path!("/reset-password") view={Lazy::<ResetPasswordRoute>::new()} />
                    <Route path=path!("/verify-email") view={Lazy::<VerifyEmailRoute>::new()} />
                    <Route path=path!("/admin") view={Lazy::<AdminUsersRoute>::new()} />
                    <Route path=path!("/admin/users/:id") view={Lazy::<AdminUserRoute>::new()} />
                    <Route path=path!("/admin/events") view={Lazy::<AdminEventsRoute>::new()} />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"Tokengate · stateless token authentication with Leptos, Axum and JWT"</p>
            </footer>
        </Router>
    }
}
