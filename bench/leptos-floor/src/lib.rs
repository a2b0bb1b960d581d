//! The floor: a Leptos 0.8 hydrate app with a router, a title, one login form and one server fn.
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<String, ServerFnError> {
    Ok(format!("{username}{password}"))
}

#[component]
fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let error = move || {
        action
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };
    view! {
        <Title text="Log in"/>
        <ActionForm action=action>
            <label>"Username" <input name="username" required/></label>
            <label>"Password" <input name="password" type="password" required/></label>
            <button disabled=move || action.pending().get()>"Log in"</button>
        </ActionForm>
        <p role="alert">{error}</p>
    }
}

#[component]
fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Routes fallback=|| "Not found">
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/") view=|| view! { <a href="/login">"Log in"</a> }/>
            </Routes>
        </Router>
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_body(App);
}
