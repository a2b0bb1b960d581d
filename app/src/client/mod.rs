//! Browser-side plumbing: where the access token lives, how it reaches the server, how it is kept
//! fresh, and how the UI reads it.

mod api_client;
pub mod clipboard;
pub mod dpop;
pub mod jwt_view;
pub mod keep_alive;
pub mod passkey_ceremonies;
pub mod token_store;
pub mod webauthn;

pub use api_client::ApiClient;
