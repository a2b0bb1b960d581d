//! The access token in `localStorage`, under one key. On the server these functions do nothing:
//! storage only exists in the browser.

/// The localStorage key. The token is stored JSON-encoded (with quotes), as gloo-storage, which
/// this module used before, stores it: tokens saved by older builds still load.
pub const ACCESS_TOKEN_KEY: &str = "tokengate.access_token";

/// gloo-storage's `LocalStorage` without the crate: the same `web_sys::Storage` calls, the same
/// JSON encoding and the same exceptions when storage is missing, but no error type to format
/// (every error was discarded here anyway).
#[cfg(feature = "hydrate")]
mod imp {
    use wasm_bindgen::UnwrapThrowExt;

    fn storage() -> web_sys::Storage {
        web_sys::window()
            .expect_throw("no window")
            .local_storage()
            .expect_throw("failed to get local_storage")
            .expect_throw("no local storage")
    }

    pub fn load() -> Option<String> {
        let item = storage()
            .get_item(super::ACCESS_TOKEN_KEY)
            .expect_throw("unreachable: get_item does not throw an exception")?;
        serde_json::from_str::<String>(&item)
            .ok()
            .filter(|t| !t.is_empty())
    }

    pub fn save(token: &str) {
        if let Ok(value) = serde_json::to_string(token) {
            let _ = storage().set_item(super::ACCESS_TOKEN_KEY, &value);
        }
    }

    pub fn clear() {
        storage()
            .remove_item(super::ACCESS_TOKEN_KEY)
            .expect_throw("unreachable: remove_item does not throw an exception");
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    pub fn load() -> Option<String> {
        None
    }
    pub fn save(_token: &str) {}
    pub fn clear() {}
}

pub use imp::{clear, load, save};
