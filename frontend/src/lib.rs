//! The browser entry point: hydrates the server-rendered page, once the WASM chunk of the lazy
//! page shown there (app/src/pages/lazy.rs) has loaded.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let path = leptos::prelude::window().location().pathname();
        app::pages::lazy::load_page(&path.unwrap_or_default()).await;
        leptos::mount::hydrate_body(app::App);
    });
}
