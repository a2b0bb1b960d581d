//! Fresh recovery codes, shown once: the server keeps only their hashes. "Copy", "Download" (a
//! `.txt` from a `data:` link: no script, no object URL, nothing the page's CSP restricts) and
//! "I have saved them", which closes the panel.

use leptos::prelude::*;

use crate::client::clipboard::copy_text;
use crate::components::account_details::AccountResource;

/// The downloaded file's name.
pub const CODES_FILE_NAME: &str = "tokengate-recovery-codes.txt";

/// The codes as the copied text and the downloaded file carry them, one a line, under a header.
pub fn codes_text(username: Option<&str>, codes: &[String]) -> String {
    let whose = username.map(|u| format!(" for {u}")).unwrap_or_default();
    let mut text = format!(
        "Tokengate recovery codes{whose}\n\
         Each code logs you in once in place of a code from your authenticator app.\n\n"
    );
    for code in codes {
        text.push_str(code);
        text.push('\n');
    }
    text
}

/// A `data:` URL of `text` as UTF-8 plain text: every byte but RFC 3986's unreserved ones
/// percent-encoded.
pub fn text_data_url(text: &str) -> String {
    let mut url = String::from("data:text/plain;charset=utf-8,");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

#[component]
pub fn RecoveryCodesPanel(
    codes: Vec<String>,
    details: AccountResource,
    on_saved: Callback<()>,
) -> impl IntoView {
    // The account as it was before the refetch the new codes started: only the username is read.
    let username = details
        .get_untracked()
        .and_then(Result::ok)
        .map(|a| a.username);
    let text = codes_text(username.as_deref(), &codes);
    let download_url = text_data_url(&text);
    let copied = RwSignal::new(None::<&'static str>);
    let heading = NodeRef::<leptos::html::H3>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let copy = move |_| {
        let text = text.clone();
        leptos::task::spawn_local(async move {
            copied.set(Some(if copy_text(&text).await {
                "Codes copied."
            } else {
                "Could not copy: select the codes and copy them."
            }));
        });
    };

    view! {
        <div class="form-flat recovery-codes-panel">
            <h3 tabindex="-1" node_ref=heading>"Save your recovery codes"</h3>
            <p>"If you lose your phone, each of these codes logs you in once. They are shown only now: keep them somewhere safe, such as a password manager."</p>
            <div class="recovery-codes-wrap">
                <ul class="recovery-codes" data-testid="recovery-codes">
                    {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                </ul>
            </div>
            <div class="actions">
                <button type="button" class="button button-small" on:click=copy>"Copy"</button>
                <a class="button button-small" href=download_url download=CODES_FILE_NAME>"Download"</a>
            </div>
            <p class="notice-inline" role="status">{move || copied.get()}</p>
            <button type="button" class="button button-primary" on:click=move |_| on_saved.run(())>
                "I have saved them"
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_lists_every_code_on_its_own_line() {
        let codes = vec![
            "k7qm-2xgd-p4ta-9wve".to_owned(),
            "abcd-efgh-ijkl-mnop".to_owned(),
        ];
        assert_eq!(
            codes_text(Some("alice"), &codes),
            "Tokengate recovery codes for alice\n\
             Each code logs you in once in place of a code from your authenticator app.\n\n\
             k7qm-2xgd-p4ta-9wve\nabcd-efgh-ijkl-mnop\n"
        );
        assert!(codes_text(None, &codes).starts_with("Tokengate recovery codes\n"));
    }

    #[test]
    fn a_data_url_percent_encodes_all_but_unreserved_bytes() {
        assert_eq!(
            text_data_url("a-b c\n#é"),
            "data:text/plain;charset=utf-8,a-b%20c%0A%23%C3%A9"
        );
    }
}
