//! Passkeys in the browser: `navigator.credentials.create()` / `.get()` between a ceremony's
//! start and finish on the server.
//!
//! The server's options are the standard WebAuthn JSON (`{"publicKey": {...}}`, binary members
//! base64url), which the browser's own `PublicKeyCredential.parseCreationOptionsFromJSON` /
//! `parseRequestOptionsFromJSON` turn into the binary form, and `credential.toJSON()` turns the
//! answer back: no base64 or binary handling here. Everything is reached through `js_sys::Reflect`
//! (no web-sys feature per WebAuthn type, no inline script for the CSP to refuse).
//!
//! On the server there are no passkeys: every call answers `Unsupported`.

/// Why a browser step of a ceremony did not give a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasskeyError {
    /// No WebAuthn in this browser, or not its JSON helpers.
    Unsupported,
    /// The user dismissed the browser's dialog, or it timed out (`NotAllowedError`).
    Cancelled,
    /// The page itself ended the request (`AbortError`): a pending autofill request making way
    /// for a button's. Nothing to tell the user.
    Aborted,
    /// `create()`: this authenticator holds one of the account's passkeys already
    /// (`InvalidStateError`, from the ceremony's exclude list).
    AlreadyOnDevice,
    /// The page's address does not fit the relying party (`SecurityError`).
    WrongOrigin,
    /// Anything else the browser said.
    Failed(String),
}

impl PasskeyError {
    /// The sentence the UI shows; `None` for `Aborted`, which the user did not cause.
    pub fn message(&self) -> Option<String> {
        let text = match self {
            Self::Unsupported => "This browser cannot use passkeys. Use your password instead.",
            Self::Cancelled => {
                "No passkey was used: the request was cancelled or timed out. You can try again."
            }
            Self::Aborted => return None,
            Self::AlreadyOnDevice => {
                "This device already holds a passkey for your account. Use another device or security key."
            }
            Self::WrongOrigin => {
                "Passkeys do not work at this address. Open the site at its usual address (https, or localhost) and try again."
            }
            Self::Failed(detail) => return Some(format!("The passkey request failed: {detail}")),
        };
        Some(text.to_owned())
    }
}

#[cfg(feature = "hydrate")]
pub use browser::{conditional_mediation_available, create, get, is_supported, AbortHandle};

#[cfg(not(feature = "hydrate"))]
pub use server_side::{conditional_mediation_available, create, get, is_supported, AbortHandle};

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
    use serde_json::Value;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::PasskeyError;

    /// An `AbortController`, to end a pending `get()` (the login page's autofill request). A
    /// clone handles the same controller.
    #[derive(Clone)]
    pub struct AbortHandle {
        controller: JsValue,
    }

    impl AbortHandle {
        /// A new controller, or `None` in a browser without one.
        pub fn new() -> Option<Self> {
            let constructor: Function = property(&js_sys::global(), "AbortController")
                .ok()?
                .dyn_into()
                .ok()?;
            let controller = Reflect::construct(&constructor, &Array::new()).ok()?;
            Some(Self { controller })
        }

        /// Ends the request this handle's signal was given to; its `get()` answers `Aborted`.
        pub fn abort(&self) {
            let _ = call_method(&self.controller, "abort", &[]);
        }

        fn signal(&self) -> Result<JsValue, PasskeyError> {
            property(&self.controller, "signal").map_err(|_| PasskeyError::Unsupported)
        }
    }

    fn property(target: &JsValue, name: &str) -> Result<JsValue, JsValue> {
        Reflect::get(target, &JsValue::from_str(name))
    }

    fn set_property(target: &Object, name: &str, value: &JsValue) -> Result<(), PasskeyError> {
        Reflect::set(target, &JsValue::from_str(name), value)
            .map(drop)
            .map_err(browser_error)
    }

    /// `target.name(...args)`.
    fn call_method(target: &JsValue, name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
        let method: Function = property(target, name)?.dyn_into()?;
        let list = Array::new();
        for arg in args {
            list.push(arg);
        }
        Reflect::apply(&method, target, &list)
    }

    /// `PublicKeyCredential`, when it has the JSON helpers this module relies on.
    fn public_key_credential() -> Option<JsValue> {
        let class = property(&js_sys::global(), "PublicKeyCredential").ok()?;
        let has = |name| property(&class, name).is_ok_and(|f| f.is_function());
        (has("parseCreationOptionsFromJSON") && has("parseRequestOptionsFromJSON")).then_some(class)
    }

    /// `navigator.credentials`.
    fn credentials_container() -> Option<JsValue> {
        let navigator = property(&js_sys::global(), "navigator").ok()?;
        let container = property(&navigator, "credentials").ok()?;
        (!container.is_undefined() && !container.is_null()).then_some(container)
    }

    /// True when this browser can create and use passkeys the way this module does.
    pub fn is_supported() -> bool {
        public_key_credential().is_some() && credentials_container().is_some()
    }

    /// True when the browser can offer passkeys in a field's autofill (`mediation:
    /// "conditional"` with `autocomplete="... webauthn"`).
    pub async fn conditional_mediation_available() -> bool {
        let (Some(class), true) = (public_key_credential(), is_supported()) else {
            return false;
        };
        let Ok(promise) = call_method(&class, "isConditionalMediationAvailable", &[])
            .and_then(|p| p.dyn_into::<Promise>())
        else {
            return false;
        };
        JsFuture::from(promise)
            .await
            .is_ok_and(|available| available.as_bool() == Some(true))
    }

    /// Runs a registration ceremony's browser step: the new credential's JSON.
    pub async fn create(options: &Value) -> Result<Value, PasskeyError> {
        let (class, container) = match (public_key_credential(), credentials_container()) {
            (Some(class), Some(container)) => (class, container),
            _ => return Err(PasskeyError::Unsupported),
        };
        let public_key = parsed_options(&class, "parseCreationOptionsFromJSON", options)?;
        let request = Object::new();
        set_property(&request, "publicKey", &public_key)?;
        let credential = run(&container, "create", &request).await?;
        credential_json(&credential)
    }

    /// Runs an authentication ceremony's browser step: the assertion's JSON. `conditional`
    /// offers the passkeys in the autofill of a `webauthn` field instead of a dialog; `abort`
    /// ends the request early (it then answers `Aborted`).
    pub async fn get(
        options: &Value,
        conditional: bool,
        abort: Option<&AbortHandle>,
    ) -> Result<Value, PasskeyError> {
        let (class, container) = match (public_key_credential(), credentials_container()) {
            (Some(class), Some(container)) => (class, container),
            _ => return Err(PasskeyError::Unsupported),
        };
        let public_key = parsed_options(&class, "parseRequestOptionsFromJSON", options)?;
        let request = Object::new();
        set_property(&request, "publicKey", &public_key)?;
        if conditional {
            set_property(&request, "mediation", &JsValue::from_str("conditional"))?;
        }
        if let Some(handle) = abort {
            set_property(&request, "signal", &handle.signal()?)?;
        }
        let credential = run(&container, "get", &request).await?;
        credential_json(&credential)
    }

    /// `PublicKeyCredential.<parser>(options.publicKey)`.
    fn parsed_options(
        class: &JsValue,
        parser: &str,
        options: &Value,
    ) -> Result<JsValue, PasskeyError> {
        let public_key = options.get("publicKey").ok_or_else(|| {
            PasskeyError::Failed("the server sent no publicKey options".to_owned())
        })?;
        let json = JSON::parse(&public_key.to_string()).map_err(browser_error)?;
        call_method(class, parser, &[&json]).map_err(browser_error)
    }

    /// `navigator.credentials.<method>(request)`, awaited.
    async fn run(
        container: &JsValue,
        method: &str,
        request: &Object,
    ) -> Result<JsValue, PasskeyError> {
        let promise: Promise = call_method(container, method, &[request])
            .map_err(browser_error)?
            .dyn_into()
            .map_err(browser_error)?;
        let credential = JsFuture::from(promise).await.map_err(browser_error)?;
        if credential.is_null() || credential.is_undefined() {
            return Err(PasskeyError::Cancelled);
        }
        Ok(credential)
    }

    /// `JSON.parse(JSON.stringify(credential.toJSON()))`, as serde JSON.
    fn credential_json(credential: &JsValue) -> Result<Value, PasskeyError> {
        let json = call_method(credential, "toJSON", &[]).map_err(browser_error)?;
        let text = JSON::stringify(&json)
            .map_err(browser_error)?
            .as_string()
            .unwrap_or_default();
        serde_json::from_str(&text).map_err(|e| PasskeyError::Failed(e.to_string()))
    }

    /// A rejected promise or a thrown exception, by its `DOMException` name.
    fn browser_error(error: JsValue) -> PasskeyError {
        let text = |name| property(&error, name).ok().and_then(|v| v.as_string());
        match text("name").as_deref() {
            Some("NotAllowedError") => PasskeyError::Cancelled,
            Some("AbortError") => PasskeyError::Aborted,
            Some("InvalidStateError") => PasskeyError::AlreadyOnDevice,
            Some("SecurityError") => PasskeyError::WrongOrigin,
            Some("NotSupportedError") => PasskeyError::Unsupported,
            _ => PasskeyError::Failed(
                text("message")
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| "the browser gave no reason".to_owned()),
            ),
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod server_side {
    use serde_json::Value;

    use super::PasskeyError;

    /// Nothing to abort on the server.
    #[derive(Clone)]
    pub struct AbortHandle;

    impl AbortHandle {
        pub fn new() -> Option<Self> {
            None
        }

        pub fn abort(&self) {}
    }

    pub fn is_supported() -> bool {
        false
    }

    pub async fn conditional_mediation_available() -> bool {
        false
    }

    pub async fn create(_options: &Value) -> Result<Value, PasskeyError> {
        Err(PasskeyError::Unsupported)
    }

    pub async fn get(
        _options: &Value,
        _conditional: bool,
        _abort: Option<&AbortHandle>,
    ) -> Result<Value, PasskeyError> {
        Err(PasskeyError::Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_abort_by_the_page_goes_unsaid() {
        assert_eq!(PasskeyError::Aborted.message(), None);
        for shown in [
            PasskeyError::Unsupported,
            PasskeyError::Cancelled,
            PasskeyError::AlreadyOnDevice,
            PasskeyError::WrongOrigin,
            PasskeyError::Failed("x".to_owned()),
        ] {
            assert!(shown.message().is_some_and(|m| !m.is_empty()), "{shown:?}");
        }
    }

    #[test]
    fn a_cancelled_request_reads_calmly() {
        let message = PasskeyError::Cancelled.message().unwrap_or_default();
        assert!(message.contains("try again"), "{message}");
    }
}
