pub mod credentials_form;
pub mod email_card;
pub mod nav;
pub mod needs_js;
pub mod password_form;
pub mod require_auth;
pub mod sessions_list;
pub mod token_inspector;
