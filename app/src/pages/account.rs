use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::email_card::EmailCard;
use crate::components::password_form::PasswordForm;
use crate::components::require_auth::RequireAuth;
use crate::components::sessions_list::SessionsList;
use crate::workarounds::SyncHydrate;

#[component]
pub fn AccountPage() -> impl IntoView {
    SyncHydrate(view! {
        <Title text="Account · Tokengate" />
        <RequireAuth path="/account">
            <section class="account">
                <h1>"Your account"</h1>
                <SessionsList />
                <EmailCard />
                <PasswordForm />
            </section>
        </RequireAuth>
    })
}
