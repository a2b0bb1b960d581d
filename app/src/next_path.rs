//! The `?next=` parameter of the login page: only a same-site relative path is followed, so a
//! crafted link can never send a freshly logged-in user to another site (no open redirect).

pub const DEFAULT_AFTER_LOGIN: &str = "/dashboard";

/// Returns `raw` if it is a safe same-site path, else the dashboard.
pub fn safe_next(raw: Option<&str>) -> String {
    match raw {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.contains(['\\', '\r', '\n', '\t'])
                && !path.contains("://")
                && path.len() <= 512 =>
        {
            path.to_owned()
        }
        _ => DEFAULT_AFTER_LOGIN.to_owned(),
    }
}

/// `/login?next=<path>`, with `path` percent-encoded.
pub fn login_url_for(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                encoded.push(b as char)
            }
            _ => encoded.push_str(&format!("%{b:02X}")),
        }
    }
    format!("/login?next={encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_followed() {
        assert_eq!(safe_next(Some("/dashboard")), "/dashboard");
        assert_eq!(
            safe_next(Some("/account?tab=sessions")),
            "/account?tab=sessions"
        );
    }

    #[test]
    fn anything_else_falls_back_to_the_dashboard() {
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "dashboard",
            "",
            "/x\\y",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), DEFAULT_AFTER_LOGIN, "{bad:?}");
        }
        assert_eq!(safe_next(None), DEFAULT_AFTER_LOGIN);
    }

    #[test]
    fn login_url_encodes_the_path() {
        assert_eq!(login_url_for("/dashboard"), "/login?next=/dashboard");
        assert_eq!(login_url_for("/a?b=c&d"), "/login?next=/a%3Fb%3Dc%26d");
    }
}
