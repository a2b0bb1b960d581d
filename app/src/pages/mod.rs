pub mod account;
pub mod dashboard;
pub mod home;
pub mod login;
pub mod not_found;
pub mod signup;
