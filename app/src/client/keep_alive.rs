//! Keeping a session alive without ever showing a login prompt to an active user: when to
//! refresh the access token (a third of its lifetime ahead, between 2 and 60 seconds), and the
//! exchange of the refresh cookie itself. `AuthContext` applies the outcome to the UI.
//!
//! Two tabs refreshing at the same moment are safe: the server gives both the same successor.

use super::jwt_view::token_times;
use crate::error::ErrorCode;

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

/// What exchanging the refresh cookie gave.
pub enum Exchange {
    /// A new access token.
    Renewed(String),
    /// The session is over (ended, revoked, reused): the user must log in again.
    Ended,
    /// The server could not be reached or is down: keep the current state and retry later.
    Unreachable,
}

/// Exchanges the refresh cookie for a new access token. The call goes through `ApiClient`, which
/// adds the DPoP proof a bound session needs (a refresh without this browser's key fails and
/// ends the session here).
pub async fn exchange() -> Exchange {
    match crate::api::refresh::refresh().await {
        Ok(response) => Exchange::Renewed(response.access_token),
        Err(err)
            if matches!(
                err.error,
                ErrorCode::NetworkError | ErrorCode::ServiceUnavailable | ErrorCode::Overloaded
            ) =>
        {
            Exchange::Unreachable
        }
        Err(_) => Exchange::Ended,
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    use super::*;

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
