//! Content-Security-Policy with a per-response nonce. Leptos puts a fresh nonce into every page
//! render and stamps it on its own hydration scripts; this sets the matching header, so no other
//! inline script (an injected one included) can run.

use axum::http::{header, HeaderValue};
use leptos::nonce::use_nonce;
use leptos::prelude::{use_context, LeptosOptions};

/// The policy for a page whose scripts carry `nonce`.
pub fn policy(nonce: &str, live_reload: Option<&str>) -> String {
    let connect = match live_reload {
        Some(origin) => format!("connect-src 'self' {origin}"),
        None => "connect-src 'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; {connect}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// Called while rendering the page shell: sets the CSP header of this response.
pub fn apply(options: &LeptosOptions) {
    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    // `cargo leptos watch` serves a live-reload websocket on another port.
    let live_reload = std::env::var_os("LEPTOS_WATCH").map(|_| {
        let host = options.site_addr.ip();
        format!("ws://{host}:{}", options.reload_port)
    });
    if let Ok(value) = HeaderValue::from_str(&policy(&nonce.to_string(), live_reload.as_deref())) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allows_only_nonced_scripts_and_wasm() {
        let csp = policy("abc123", None);
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!csp.contains("unsafe-inline"));
        for directive in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{directive}");
        }
    }
}
