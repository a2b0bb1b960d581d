//! The access token in `localStorage` (via gloo-storage), under one key. On the server these
//! functions do nothing: storage only exists in the browser, and gloo-storage panics in SSR.

/// The localStorage key. gloo-storage stores the token JSON-encoded (with quotes).
pub const ACCESS_TOKEN_KEY: &str = "tokengate.access_token";

#[cfg(feature = "hydrate")]
mod imp {
    use gloo_storage::{LocalStorage, Storage};

    pub fn load() -> Option<String> {
        LocalStorage::get::<String>(super::ACCESS_TOKEN_KEY)
            .ok()
            .filter(|t| !t.is_empty())
    }

    pub fn save(token: &str) {
        let _ = LocalStorage::set(super::ACCESS_TOKEN_KEY, token);
    }

    pub fn clear() {
        LocalStorage::delete(super::ACCESS_TOKEN_KEY);
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
