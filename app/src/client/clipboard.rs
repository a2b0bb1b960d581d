//! Copying text to the clipboard (`navigator.clipboard.writeText`), for the key and the recovery
//! codes of the second factor. On the server it does nothing: there is no clipboard there.

/// Copies `text`; true once the browser says it is on the clipboard (it may refuse, e.g. without
/// permission or outside a secure context).
#[cfg(feature = "hydrate")]
pub async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

#[cfg(not(feature = "hydrate"))]
pub async fn copy_text(_text: &str) -> bool {
    false
}
