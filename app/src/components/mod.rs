pub mod credentials_form;
pub mod nav;
pub mod require_auth;
pub mod token_inspector;
