//! Browser-side plumbing: where the access token lives and how it reaches the server.

mod api_client;
pub mod session;
pub mod token_store;

pub use api_client::ApiClient;
