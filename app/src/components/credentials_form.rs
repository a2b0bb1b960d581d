//! The username + password form shared by login and sign-up (sign-up adds an optional e-mail).
//!
//! Without WASM it still posts (method="post"), never GET, so credentials cannot reach a URL;
//! the server answers that fallback by asking for JavaScript. Once hydrated, submit is handled
//! here: one request at a time, progress shown, errors announced in a `role="alert"` region.

use std::future::Future;

use leptos::prelude::*;

use crate::api::TokenResponse;
use crate::error::ApiError;
use crate::policy::{
    EMAIL_MAX_CHARS, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, USERNAME_MAX_CHARS, USERNAME_MIN_CHARS,
};

/// The hint under every field that sets a new password (sign-up, password reset).
pub const PASSWORD_HINT: &str = const_format::concatcp!(
    PASSWORD_MIN_CHARS,
    " to ",
    PASSWORD_MAX_CHARS,
    " characters. A passphrase of a few words is strong and easy to remember."
);

/// What the form sends. `email` is `None` from the login form, and from the sign-up form when
/// its (optional) field is left empty.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
}

/// What a page hands to `CredentialsForm`: the submit, its progress and its error.
#[derive(Clone, Copy)]
pub struct CredentialsSubmit {
    pub pending: Signal<bool>,
    /// The message shown in the form; the page may set one too (login, back from an expired
    /// second step).
    pub error: RwSignal<Option<String>>,
    pub on_submit: Callback<Credentials>,
}

/// Login and sign-up in one shape: `call` sends the credentials, `on_success` gets the token
/// answer, an error's message is shown in the form. A plain `Action`, not `ServerAction` (see
/// `workarounds`).
pub fn use_credentials_submit<F, Fut>(
    call: F,
    on_success: impl Fn(TokenResponse) + 'static,
) -> CredentialsSubmit
where
    F: Fn(Credentials) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<TokenResponse, ApiError>> + Send + 'static,
{
    use_credentials_submit_with(call, on_success, |err| Some(err.message))
}

/// `use_credentials_submit` whose `on_error` sees each error first and returns the message to
/// show, or `None` when the page takes the error over (login's `mfa_required`, which leads to the
/// second step instead of a message).
pub fn use_credentials_submit_with<F, Fut>(
    call: F,
    on_success: impl Fn(TokenResponse) + 'static,
    on_error: impl Fn(ApiError) -> Option<String> + 'static,
) -> CredentialsSubmit
where
    F: Fn(Credentials) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<TokenResponse, ApiError>> + Send + 'static,
{
    let action = Action::new(move |credentials: &Credentials| call(credentials.clone()));
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| match action.value().get() {
        Some(Ok(response)) => on_success(response),
        Some(Err(err)) => error.set(on_error(err)),
        None => {}
    });
    let on_submit = Callback::new(move |credentials: Credentials| {
        error.set(None);
        action.dispatch(credentials);
    });
    CredentialsSubmit {
        pending: action.pending().into(),
        error,
        on_submit,
    }
}

#[component]
pub fn CredentialsForm(
    /// Where the no-JavaScript fallback posts to.
    fallback_action: &'static str,
    submit_label: &'static str,
    pending_label: &'static str,
    /// `current-password` or `new-password`.
    password_autocomplete: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] error: Signal<Option<String>>,
    on_submit: Callback<Credentials>,
    #[prop(optional)] password_hint: Option<&'static str>,
    /// The first field also takes a verified e-mail address (login): labelled so, and as long
    /// as an address may be.
    #[prop(optional)]
    username_or_email: bool,
    /// Adds the optional e-mail field (sign-up).
    #[prop(optional)]
    with_email: bool,
    /// Adds a "Forgot password?" link under the password field (login).
    #[prop(optional)]
    forgot_password_link: bool,
    /// The first field's value, when the page keeps it while the form is away (login's second
    /// step, which may come back here).
    #[prop(optional)]
    username: Option<RwSignal<String>>,
    /// Moves focus to the password field once the form is shown (login, back from an expired
    /// second step).
    #[prop(optional)]
    focus_password: bool,
    /// The username field also offers the user's passkeys in its suggestions (login: see
    /// `passkey_sign_in`).
    #[prop(optional)]
    passkey_autofill: bool,
) -> impl IntoView {
    let username = username.unwrap_or_else(|| RwSignal::new(String::new()));
    let password = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password_ref = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = password_ref.get().filter(|_| focus_password) {
            let _ = input.focus();
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let email = email.get_untracked();
        on_submit.run(Credentials {
            username: username.get_untracked(),
            password: password.get_untracked(),
            email: Some(email).filter(|e| with_email && !e.trim().is_empty()),
        });
    };

    view! {
        <form class="card form" method="post" action=fallback_action on:submit=submit novalidate>
            <div class="field">
                <label for="username">
                    {if username_or_email { "Username or e-mail" } else { "Username" }}
                </label>
                <input
                    id="username"
                    name="username"
                    type="text"
                    autocomplete=if passkey_autofill { "username webauthn" } else { "username" }
                    autocapitalize="none"
                    spellcheck="false"
                    required
                    minlength=USERNAME_MIN_CHARS
                    maxlength=if username_or_email { EMAIL_MAX_CHARS } else { USERNAME_MAX_CHARS }
                    bind:value=username
                />
            </div>
            {with_email.then(|| view! {
                <div class="field">
                    <label for="email">"E-mail " <span class="label-note">"(optional, for account recovery)"</span></label>
                    <input
                        id="email"
                        name="email"
                        type="email"
                        autocomplete="email"
                        autocapitalize="none"
                        spellcheck="false"
                        maxlength=EMAIL_MAX_CHARS
                        bind:value=email
                    />
                </div>
            })}
            <div class="field">
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete=password_autocomplete
                    required
                    maxlength=PASSWORD_MAX_CHARS
                    aria-describedby=password_hint.map(|_| "password-hint")
                    node_ref=password_ref
                    bind:value=password
                />
                {password_hint.map(|hint| view! { <p class="hint" id="password-hint">{hint}</p> })}
                {forgot_password_link.then(|| view! {
                    <p class="field-link"><a href="/forgot-password">"Forgot password?"</a></p>
                })}
            </div>
            <p class="form-error" role="alert">
                {move || error.get()}
            </p>
            <button
                type="submit"
                class="button button-primary button-block"
                aria-disabled=move || pending.get().to_string()
                aria-busy=move || pending.get().to_string()
                disabled=move || pending.get()
            >
                <Show when=move || pending.get()>
                    <span class="spinner" aria-hidden="true"></span>
                </Show>
                {move || if pending.get() { pending_label } else { submit_label }}
            </button>
        </form>
    }
}
