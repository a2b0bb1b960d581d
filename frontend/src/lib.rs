//! The browser entry point: hydrates the server-rendered page, once the WASM chunk of a lazy
//! page shown there (app/src/pages/lazy.rs) has loaded.

// The type of that asynchronous hydration of the whole app is deeper than rustc's default limit.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
