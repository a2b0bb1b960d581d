use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::account_details::account_resource;
use crate::components::email_card::EmailCard;
use crate::components::passkeys_card::PasskeysCard;
use crate::components::password_form::PasswordForm;
use crate::components::require_auth::RequireAuth;
use crate::components::sessions_list::SessionsList;
use crate::components::two_factor_card::TwoFactorCard;
use crate::workarounds::SyncHydrate;

#[component]
pub fn AccountPage() -> impl IntoView {
    SyncHydrate(view! {
        <Title text="Account · Tokengate" />
        <RequireAuth path="/account">
            <AccountCards />
        </RequireAuth>
    })
}

/// The cards, sharing one fetch of the account (made only once the user is known to be logged in).
/// Each in a SyncHydrate, which also boxes its server `resolve` future: nested in one, the page's
/// future is deeper than rustc's default recursion limit.
#[component]
fn AccountCards() -> impl IntoView {
    let details = account_resource();
    view! {
        <section class="account">
            <h1>"Your account"</h1>
            {SyncHydrate(view! { <SessionsList /> })}
            {SyncHydrate(view! { <crate::components::activity_list::AccountActivity /> })}
            {SyncHydrate(view! { <EmailCard details=details /> })}
            {SyncHydrate(view! { <TwoFactorCard details=details /> })}
            {SyncHydrate(view! { <PasskeysCard details=details /> })}
            {SyncHydrate(view! { <PasswordForm details=details /> })}
        </section>
    }
}
