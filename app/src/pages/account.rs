use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::password_form::PasswordForm;
use crate::components::require_auth::RequireAuth;
use crate::components::sessions_list::SessionsList;

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="Account · Tokengate" />
        <RequireAuth path="/account">
            <section class="account">
                <h1>"Your account"</h1>
                <SessionsList />
                <PasswordForm />
            </section>
        </RequireAuth>
    }
}
