//! Shows what the access token carries: its decoded header and claims, and the time left.
//! Decoding here is for display only; the server verifies the signature on every call.

use leptos::either::Either;
use leptos::prelude::*;

use crate::client::jwt_view::jwt_segment;
use crate::time_fmt::{countdown, now_secs};

/// The JSON of a token's header and payload, pretty-printed; `None` if it is not a JWT.
pub fn decode_parts(token: &str) -> Option<(String, String, Option<i64>)> {
    let header = jwt_segment(token, 0)?;
    let claims = jwt_segment(token, 1)?;
    let exp = claims.get("exp").and_then(serde_json::Value::as_i64);
    Some((
        serde_json::to_string_pretty(&header).ok()?,
        serde_json::to_string_pretty(&claims).ok()?,
        exp,
    ))
}

#[component]
pub fn TokenInspector(#[prop(into)] token: Signal<Option<String>>) -> impl IntoView {
    let now = RwSignal::new(now_secs());
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || now.set(now_secs()),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let decoded = Memo::new(move |_| token.get().as_deref().and_then(decode_parts));

    view! {
        <section class="card inspector" aria-labelledby="inspector-title">
            <div class="inspector-head">
                <h2 id="inspector-title">"Your access token"</h2>
                <p class="expiry" data-testid="token-expiry">
                    {move || match decoded.get().and_then(|(_, _, exp)| exp) {
                        Some(exp) => {
                            let left = exp - now.get();
                            if left > 0 {
                                format!("Expires in {}", countdown(left))
                            } else {
                                "Expired".to_string()
                            }
                        }
                        None => "No expiry".to_string(),
                    }}
                </p>
            </div>
            <p class="muted">
                "Signed by the server, kept in this browser's localStorage and sent as "
                <code>"Authorization: Bearer …"</code>
                " with every protected call. "<code>"/api/me"</code>" only verifies the signature; calls that read or change your account also check that this session is still live."
            </p>
            {move || match decoded.get() {
                Some((header, claims, _)) => Either::Left(view! {
                    <div class="inspector-grid">
                        <div>
                            <h3>"Header"</h3>
                            <pre data-testid="token-header"><code>{header}</code></pre>
                        </div>
                        <div>
                            <h3>"Claims"</h3>
                            <pre data-testid="token-claims"><code>{claims}</code></pre>
                        </div>
                    </div>
                }),
                None => Either::Right(view! { <p class="form-error">"The stored token is not a JWT."</p> }),
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    use super::*;

    #[test]
    fn decodes_header_and_claims() {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","typ":"at+jwt"}"#);
        let c = URL_SAFE_NO_PAD.encode(br#"{"sub":"1","exp":42}"#);
        let (header, claims, exp) = decode_parts(&format!("{h}.{c}.sig")).unwrap();
        assert!(header.contains("\"alg\": \"EdDSA\""));
        assert!(claims.contains("\"sub\": \"1\""));
        assert_eq!(exp, Some(42));
    }

    #[test]
    fn garbage_is_not_a_jwt() {
        assert!(decode_parts("not-a-token").is_none());
        assert!(decode_parts("a.b.c").is_none());
    }
}
