//! Keeps a session alive without ever showing a login prompt to an active user:
//! - `refresh_due` tells `provide_auth`'s one-second ticker to refresh the access token shortly
//!   before it expires (a third of its lifetime ahead, between 2 and 60 seconds);
//! - `with_session` retries a protected call once after a refresh when the server answers 401.
//!
//! Two tabs refreshing at the same moment are safe: the server gives both the same successor.

use std::future::Future;

use crate::auth_context::AuthContext;
use crate::error::{ApiError, ErrorCode};

/// Segment `index` (0 header, 1 claims) of a JWT as JSON. For display and scheduling only: the
/// browser cannot verify a token and never trusts what it reads here.
pub fn jwt_segment(token: &str, index: usize) -> Option<serde_json::Value> {
    let bytes = decode_base64url(token.split('.').nth(index)?)?;
    serde_json::from_slice(&bytes).ok()
}

/// Unpadded base64url, as in JWTs; `None` for anything else (padding, other alphabets,
/// impossible lengths, non-zero trailing bits). A few lines here instead of the `base64` crate's
/// engine keep several KB out of the WASM.
fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | sextet(c)?;
        }
        // Left-align the chunk's bits in 24; the bits past its last whole byte must be zero.
        let bytes = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        acc <<= 6 * (4 - chunk.len() as u32);
        if acc & (0xFF_FFFF >> (8 * bytes)) != 0 {
            return None;
        }
        out.extend_from_slice(&acc.to_be_bytes()[1..=bytes]);
    }
    Some(out)
}

/// `(iat, exp)` read from a token's payload.
pub fn token_times(token: &str) -> Option<(i64, i64)> {
    let claims = jwt_segment(token, 1)?;
    Some((claims.get("iat")?.as_i64()?, claims.get("exp")?.as_i64()?))
}

/// True when `token` should be refreshed now. With `received_at` (browser time the token
/// arrived), the schedule runs on the browser's own clock: `lifetime - ahead` after arrival, so a
/// browser clock that is off does not matter. Without it (a token found in storage at page load)
/// the token's `exp` is compared with the browser clock; at worst that refreshes once early.
pub fn refresh_due(token: &str, now: i64, received_at: Option<i64>) -> bool {
    match token_times(token) {
        Some((iat, exp)) => {
            let lifetime = exp - iat;
            let ahead = (lifetime / 3).clamp(2, 60);
            match received_at {
                Some(at) => now - at >= lifetime - ahead,
                None => exp - now <= ahead,
            }
        }
        None => true,
    }
}

/// Exchanges the refresh cookie for a new access token. On a refusal (session ended, revoked or
/// reused) the user is logged out; on a network error the current state is kept.
pub async fn refresh_now(auth: AuthContext) -> bool {
    match crate::api::refresh::refresh().await {
        Ok(response) => {
            auth.refreshed(response.access_token);
            true
        }
        Err(err)
            if matches!(
                err.error,
                ErrorCode::NetworkError | ErrorCode::ServiceUnavailable
            ) =>
        {
            false
        }
        Err(_) => {
            auth.logged_out();
            false
        }
    }
}

/// Runs a protected call; on 401 `invalid_token`, refreshes once and runs it again.
pub async fn with_session<T, F, Fut>(auth: AuthContext, call: F) -> Result<T, ApiError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    match call().await {
        Err(err) if err.error == ErrorCode::InvalidToken => {
            if refresh_now(auth).await {
                call().await
            } else {
                Err(err)
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    use super::*;

    #[test]
    fn decodes_base64url_exactly_like_the_base64_crate() {
        let samples: [&[u8]; 6] = [b"", b"f", b"fo", b"foo", b"foob", &[0xfb, 0xff, 0xfe, 0x00]];
        for bytes in samples {
            let text = URL_SAFE_NO_PAD.encode(bytes);
            assert_eq!(decode_base64url(&text).as_deref(), Some(bytes), "{text}");
        }
        for bad in ["a", "abcde", "ab==", "a+b/", "ab c", "AB", "AAB"] {
            assert!(URL_SAFE_NO_PAD.decode(bad).is_err(), "{bad}");
            assert_eq!(decode_base64url(bad), None, "{bad}");
        }
    }

    fn token(iat: i64, exp: i64) -> String {
        let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"iat":{iat},"exp":{exp}}}"#));
        format!("h.{payload}.s")
    }

    #[test]
    fn refresh_is_due_a_third_of_the_lifetime_ahead_within_2_to_60_seconds() {
        let t = token(1000, 1900); // 15 minutes: 60 s ahead
        assert!(!refresh_due(&t, 1839, None));
        assert!(refresh_due(&t, 1840, None));
        let short = token(1000, 1006); // 6 seconds: 2 s ahead
        assert!(!refresh_due(&short, 1003, None));
        assert!(refresh_due(&short, 1004, None));
        assert!(refresh_due("garbage", 0, None));
    }

    #[test]
    fn a_received_token_is_scheduled_on_the_browser_clock() {
        // The browser clock is 10 minutes ahead of the server's: still refresh 14 min after arrival.
        let t = token(1000, 1900);
        let arrived = 1000 + 600;
        assert!(!refresh_due(&t, arrived, Some(arrived)));
        assert!(!refresh_due(&t, arrived + 839, Some(arrived)));
        assert!(refresh_due(&t, arrived + 840, Some(arrived)));
    }
}
