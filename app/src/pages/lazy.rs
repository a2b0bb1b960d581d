//! The pages loaded on demand: each is a lazy route, whose code `cargo leptos build --split`
//! moves out of the main WASM into chunks under `/pkg` (`split_*.wasm`, `chunk_*.wasm`) that the
//! browser fetches when the page is first shown, or before hydration when the page is loaded
//! directly (the server preloads them). The main module keeps the shell (navigation, the auth
//! context, the API client) and the login page, so an interactive `/login` downloads nothing else.
//!
//! The app still hydrates synchronously (`hydrate_body`), after [`load_page`] has fetched the
//! chunk of the page being hydrated: with Leptos's asynchronous `hydrate_lazy`, the app's effects
//! run while the chunk loads, so the auth context turned ready before the page hydrated and the
//! page guard's children met the server's "checking" markup (a hydration panic).
//!
//! A build with lazy routes must be split: unsplit, the WASM imports loaders nobody provides and
//! does not start. The routes load no data ahead of their chunk (`data()` is empty): the pages
//! fetch their protected data in the browser, once the session is known.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::pages::admin::{events::AdminEventsPage, user::AdminUserPage, users::AdminUsersPage};
use crate::pages::{
    account::AccountPage, dashboard::DashboardPage, forgot_password::ForgotPasswordPage,
    home::HomePage, reset_password::ResetPasswordPage, signup::SignupPage,
    verify_email::VerifyEmailPage,
};

/// `$route`: a lazy route that shows `$page`. (`#[lazy_route]` names each split after the type.)
macro_rules! lazy_page {
    ($($route:ident => $page:ident,)*) => {$(
        #[doc = concat!("[`", stringify!($page), "`], loaded on demand.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    HomeRoute => HomePage,
    SignupRoute => SignupPage,
    DashboardRoute => DashboardPage,
    AccountRoute => AccountPage,
    ForgotPasswordRoute => ForgotPasswordPage,
    ResetPasswordRoute => ResetPasswordPage,
    VerifyEmailRoute => VerifyEmailPage,
    AdminUsersRoute => AdminUsersPage,
    AdminUserRoute => AdminUserPage,
    AdminEventsRoute => AdminEventsPage,
}

/// Loads the chunk of the lazy page that the router shows at `path` (nothing for the login page
/// or an unknown path). Mirrors the route table in `App` (lib.rs): a lazy page not loaded here
/// cannot hydrate synchronously.
pub async fn load_page(path: &str) {
    match path.trim_end_matches('/') {
        "" => HomeRoute::preload().await,
        "/signup" => SignupRoute::preload().await,
        "/dashboard" => DashboardRoute::preload().await,
        "/account" => AccountRoute::preload().await,
        "/forgot-password" => ForgotPasswordRoute::preload().await,
        "/reset-password" => ResetPasswordRoute::preload().await,
        "/verify-email" => VerifyEmailRoute::preload().await,
        "/admin" => AdminUsersRoute::preload().await,
        "/admin/events" => AdminEventsRoute::preload().await,
        other if other.starts_with("/admin/users/") => AdminUserRoute::preload().await,
        _ => {}
    }
}
