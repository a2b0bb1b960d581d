//! `/admin...`: administration (issue 16): the users, one user with the actions on them, and the
//! global audit trail.
//!
//! The token's `role` claim only decides whether the pages' chrome (the section tabs, the search)
//! is shown. Access is the server's: every admin call checks the role in the database, and a
//! refusal (403 `forbidden`) shows as "This page is for administrators." instead of the data.

pub mod events;
pub mod user;
mod user_actions;
pub mod users;

use leptos::prelude::*;

use crate::auth_context::use_auth;
use crate::error::{ApiError, ErrorCode};

/// The `role` of ordinary users (the server's `db::users::DEFAULT_ROLE`).
pub const USER_ROLE: &str = "user";

/// What a non-admin sees instead of the page's data.
pub const FORBIDDEN_TEXT: &str = "This page is for administrators.";

/// The section of the admin area a page is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AdminSection {
    Users,
    Events,
}

/// The admin area's tabs, for a token that claims the admin role (nothing otherwise).
#[component]
pub fn AdminTabs(current: AdminSection) -> impl IntoView {
    let auth = use_auth();
    let tab = move |section: AdminSection, href: &'static str, label: &'static str| {
        let current = (section == current).then_some("page");
        view! { <li><a href=href aria-current=current>{label}</a></li> }
    };
    move || {
        auth.claims_admin().then(|| {
            view! {
                <nav class="admin-tabs" aria-label="Administration">
                    <ul>
                        {tab(AdminSection::Users, "/admin", "Users")}
                        {tab(AdminSection::Events, "/admin/events", "Security events")}
                    </ul>
                </nav>
            }
        })
    }
}

/// A failed admin call as an alert: the administrators-only notice for a 403, else its message.
pub fn load_error(err: ApiError) -> impl IntoView {
    let text = match err.error {
        ErrorCode::Forbidden => FORBIDDEN_TEXT.to_owned(),
        _ => err.message,
    };
    view! { <p class="form-error" role="alert" data-testid="admin-error">{text}</p> }
}

/// "Active" or "Disabled", as a badge.
pub fn state_badge(disabled: bool) -> impl IntoView {
    let (class, text) = if disabled {
        ("badge badge-danger", "Disabled")
    } else {
        ("badge badge-ok", "Active")
    };
    view! { <span class=class data-testid="user-state">{text}</span> }
}

/// The role, as a badge ("admin" stands out).
pub fn role_badge(role: String) -> impl IntoView {
    let class = if role == crate::auth_context::ADMIN_ROLE {
        "badge"
    } else {
        "badge badge-off"
    };
    view! { <span class=class data-testid="user-role">{role}</span> }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use crate::server::db::users::{ADMIN_ROLE, DEFAULT_ROLE};

    #[test]
    fn the_ui_names_the_roles_as_the_server_does() {
        assert_eq!(crate::auth_context::ADMIN_ROLE, ADMIN_ROLE);
        assert_eq!(super::USER_ROLE, DEFAULT_ROLE);
    }
}
