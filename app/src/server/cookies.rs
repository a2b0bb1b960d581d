//! The refresh-token cookie: its name and flags (decided by `TOKENGATE_PUBLIC_URL`, never by the
//! request), writing it into a server function's response, and reading it back.
//!
//! - `HttpOnly; SameSite=Strict; Path=/api/auth`: no script reads it, no other site sends it,
//!   no page but the auth endpoints receives it.
//! - Over HTTPS it is `Secure` and named `__Secure-tg_refresh`: browsers only accept that name
//!   from a secure origin with `Secure` set, so a plain-HTTP page of the same site cannot plant it.
//! - Two cookies of that name in one request mean someone (a sibling subdomain setting
//!   `Domain=`) planted one: which one is ours cannot be known, so the request is refused.

use axum::http::{header, HeaderMap, HeaderValue};
use cookie::time::Duration;
use cookie::{Cookie, SameSite};

use super::public_url::PublicUrl;
use super::request::with_parts;
use super::response::append_header;
use crate::error::{ApiError, ErrorCode};

/// Only the auth endpoints (refresh, logout) ever need the cookie.
pub const REFRESH_COOKIE_PATH: &str = "/api/auth";
const PLAIN_NAME: &str = "tg_refresh";
const SECURE_NAME: &str = "__Secure-tg_refresh";

#[derive(Debug, Clone)]
pub struct RefreshCookie {
    secure: bool,
}

/// More than one refresh cookie arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicateCookie;

impl RefreshCookie {
    pub fn for_url(url: &PublicUrl) -> Self {
        Self {
            secure: url.is_https(),
        }
    }

    pub fn name(&self) -> &'static str {
        if self.secure {
            SECURE_NAME
        } else {
            PLAIN_NAME
        }
    }

    /// The `Set-Cookie` value delivering `token` for `max_age_secs`.
    pub fn set(&self, token: &str, max_age_secs: i64) -> HeaderValue {
        self.header(token, max_age_secs.max(0))
    }

    /// The `Set-Cookie` value deleting the cookie.
    pub fn cleared(&self) -> HeaderValue {
        self.header("", 0)
    }

    fn header(&self, value: &str, max_age_secs: i64) -> HeaderValue {
        let cookie = Cookie::build((self.name(), value))
            .http_only(true)
            .same_site(SameSite::Strict)
            .path(REFRESH_COOKIE_PATH)
            .max_age(Duration::seconds(max_age_secs))
            .secure(self.secure)
            .build();
        // Tokens are base64url: the header is always valid.
        HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
    }

    /// The refresh token the request carries, if exactly one; an empty value counts as none.
    pub fn read(&self, headers: &HeaderMap) -> Result<Option<String>, DuplicateCookie> {
        let mut found = None;
        let lines = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok());
        for line in lines {
            for cookie in Cookie::split_parse(line).flatten() {
                if cookie.name() == self.name() {
                    if found.is_some() {
                        return Err(DuplicateCookie);
                    }
                    found = Some(cookie.value().to_owned());
                }
            }
        }
        Ok(found.filter(|v| !v.is_empty()))
    }
}

/// Sets the refresh cookie on the current server-function response.
pub fn set_refresh_cookie(cookie: &RefreshCookie, token: &str, max_age_secs: i64) {
    append_header(header::SET_COOKIE, cookie.set(token, max_age_secs));
}

/// Deletes the refresh cookie in the current server-function response.
pub fn clear_refresh_cookie(cookie: &RefreshCookie) {
    append_header(header::SET_COOKIE, cookie.cleared());
}

/// The refresh token of the current request. Two refresh cookies: 400 `duplicate_cookie`, and
/// ours is cleared (the planted one, set for a parent domain, is out of our reach).
pub fn presented_refresh_token(cookie: &RefreshCookie) -> Result<Option<String>, ApiError> {
    match with_parts(|parts| cookie.read(&parts.headers))? {
        Ok(token) => Ok(token),
        Err(DuplicateCookie) => {
            tracing::warn!("request with two refresh cookies refused");
            clear_refresh_cookie(cookie);
            Err(ApiError::new(
                ErrorCode::DuplicateCookie,
                "More than one session cookie was sent. Please log in again.",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie_for(url: &str) -> RefreshCookie {
        RefreshCookie::for_url(&PublicUrl::parse(url).unwrap())
    }

    #[test]
    fn over_plain_http_the_cookie_is_not_secure() {
        let cookie = cookie_for("http://127.0.0.1:3000");
        assert_eq!(
            cookie.set("abc", 60),
            "tg_refresh=abc; HttpOnly; SameSite=Strict; Path=/api/auth; Max-Age=60"
        );
        assert_eq!(
            cookie.cleared(),
            "tg_refresh=; HttpOnly; SameSite=Strict; Path=/api/auth; Max-Age=0"
        );
    }

    #[test]
    fn over_https_the_cookie_is_secure_and_prefixed() {
        let cookie = cookie_for("https://auth.example");
        assert_eq!(
            cookie.set("abc", 60),
            "__Secure-tg_refresh=abc; HttpOnly; SameSite=Strict; Secure; Path=/api/auth; Max-Age=60"
        );
    }

    #[test]
    fn two_cookies_of_the_name_are_refused_and_others_are_ignored() {
        let cookie = cookie_for("http://localhost");
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; tg_refresh=x"),
        );
        assert_eq!(cookie.read(&headers), Ok(Some("x".to_owned())));
        headers.append(header::COOKIE, HeaderValue::from_static("tg_refresh=y"));
        assert_eq!(cookie.read(&headers), Err(DuplicateCookie));
        let secure = cookie_for("https://auth.example");
        let mut planted = HeaderMap::new();
        planted.append(
            header::COOKIE,
            HeaderValue::from_static("tg_refresh=planted"),
        );
        assert_eq!(secure.read(&planted), Ok(None));
    }
}
