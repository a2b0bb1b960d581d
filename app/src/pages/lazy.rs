//! The pages loaded on demand: each is a lazy route, whose code `cargo leptos build --split`
//! moves out of the main WASM into chunks under `/pkg` (`split_*.wasm`, `chunk_*.wasm`) that the
//! browser fetches when the page is first shown, or before hydration when the page is loaded
//! directly (the server preloads them). The main module keeps the shell (navigation, the auth
//! context, the API client) and the login page, so an interactive `/login` downloads nothing else.
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
