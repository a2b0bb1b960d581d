//! "Chrome 156 on Linux" from a `User-Agent` header, by woothee (the maintained port of the
//! project's shared parser rules), for the sessions list and the audit trail.

/// A short, human description of `raw`; the raw string (at most 80 characters) when woothee
/// does not recognise it.
pub fn describe(raw: &str) -> String {
    let parsed = woothee::parser::Parser::new().parse(raw);
    match parsed {
        Some(ua) if ua.name != "UNKNOWN" => {
            let major = ua.version.split('.').next().unwrap_or_default();
            let browser = if major.is_empty() || major == "UNKNOWN" {
                ua.name.to_string()
            } else {
                format!("{} {major}", ua.name)
            };
            if ua.os == "UNKNOWN" {
                browser
            } else {
                format!("{browser} on {}", ua.os)
            }
        }
        _ => raw.chars().take(80).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn browsers_are_named_with_their_major_version_and_system() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.73 Safari/537.36";
        assert_eq!(describe(chrome), "Chrome 156 on Linux");
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(firefox), "Firefox 133 on Windows 10");
    }

    #[test]
    fn what_is_not_a_browser_is_shown_as_sent_and_cut_short() {
        // woothee names HTTP libraries as such.
        assert_eq!(describe("curl/8.5.0"), "HTTP Library curl");
        assert_eq!(describe("my-script/1.0"), "my-script/1.0");
        assert_eq!(describe("unknown"), "unknown");
        assert_eq!(describe(&"x".repeat(300)).len(), 80);
    }
}
