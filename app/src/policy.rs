//! Credential limits, shared by the server (which enforces them in `server::credentials`) and the
//! forms (which show them as `minlength`/`maxlength` and hints), so the two cannot drift.

pub const USERNAME_MIN_CHARS: usize = 3;
pub const USERNAME_MAX_CHARS: usize = 32;
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 256;
/// RFC 5321's limit on a forward path, which every mail system enforces.
pub const EMAIL_MAX_CHARS: usize = 254;
/// Digits of a TOTP code (RFC 6238 as authenticator apps use it: SHA-1, 30-second steps).
pub const TOTP_CODE_DIGITS: usize = 6;
/// Longest passkey name, in characters (the server's `passkeys::MAX_NAME_CHARS`).
pub const PASSKEY_NAME_MAX_CHARS: usize = 64;
