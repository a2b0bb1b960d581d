//! Passkeys (issue 15), against the real server with a software authenticator (the webauthn-rs
//! project's `SoftPasskey`, a P-256 key per credential that answers like a browser would): the
//! options the server sends go in, the browser-shaped JSON comes out.

mod management;
mod registration;
mod second_factor;
mod sign_in;

use std::collections::HashMap;

use serde_json::{json, Value};
use url::Url;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::{AuthenticatorBackend, WebauthnAuthenticator};
use webauthn_rs_proto::{
    AllowCredentials, CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse,
};

use crate::helpers::sessions::Session;
use crate::helpers::{json_with_status, Backend, TestServer};

pub const PASSWORD: &str = "correct horse";

/// The server's relying-party origin: its default public URL (`localhost`, port of the listener).
pub fn origin_of(server: &TestServer) -> Url {
    Url::parse(&server.public_origin()).unwrap()
}

/// One authenticator holding credentials, and the user handle each was made for (the part of a
/// resident key `SoftPasskey` does not keep).
pub struct Authenticator {
    soft: SoftPasskey,
    origin: Url,
    handles: HashMap<Vec<u8>, Vec<u8>>,
}

impl Authenticator {
    pub fn new(server: &TestServer) -> Self {
        Self {
            // `true`: it reports user verification, as a platform authenticator with a PIN or
            // biometric does.
            soft: SoftPasskey::new(true),
            origin: origin_of(server),
            handles: HashMap::new(),
        }
    }

    /// Answers registration `options` (a `PasskeyCeremony`'s) the way a browser would.
    pub fn register(&mut self, options: &Value) -> Value {
        let ccr = creation_options(options);
        let handle = ccr.public_key.user.id.to_vec();
        let credential = self
            .soft
            .do_registration(self.origin.clone(), ccr)
            .expect("the authenticator registers");
        self.handles.insert(credential.raw_id.to_vec(), handle);
        serde_json::to_value(credential).unwrap()
    }

    /// Registration answered with `origin` in the client data (what a phishing page would get).
    pub fn register_from(&mut self, options: &Value, origin: &str) -> Value {
        let ccr = creation_options(options);
        let origin = Url::parse(origin).unwrap();
        let credential =
            AuthenticatorBackend::perform_register(&mut self.soft, origin, ccr.public_key, 60_000)
                .expect("the authenticator registers");
        serde_json::to_value(credential).unwrap()
    }

    /// Registration for another relying party than the one asking.
    pub fn register_for_rp(&mut self, options: &Value, rp_id: &str) -> Value {
        let mut ccr = creation_options(options);
        ccr.public_key.rp.id = rp_id.to_owned();
        let credential = AuthenticatorBackend::perform_register(
            &mut self.soft,
            self.origin.clone(),
            ccr.public_key,
            60_000,
        )
        .expect("the authenticator registers");
        serde_json::to_value(credential).unwrap()
    }

    /// Answers a sign-in or second-factor request with this authenticator's first credential
    /// (a discoverable request names none: the authenticator picks its own and says whose).
    pub fn assert(&mut self, options: &Value) -> Value {
        let (id, handle) = self.handles.iter().next().expect("a registered credential");
        let (id, handle) = (id.clone(), handle.clone());
        self.assert_with(options, &id, Some(&handle))
    }

    /// Answers with credential `id`, claiming `handle` as its user.
    pub fn assert_with(&mut self, options: &Value, id: &[u8], handle: Option<&[u8]>) -> Value {
        let mut rcr: RequestChallengeResponse =
            serde_json::from_value(options.clone()).expect("request options");
        if rcr.public_key.allow_credentials.is_empty() {
            rcr.public_key.allow_credentials = vec![AllowCredentials {
                type_: "public-key".into(),
                id: id.to_vec(),
                transports: None,
            }];
        } else {
            rcr.public_key
                .allow_credentials
                .retain(|c| c.id.as_slice() == id);
        }
        let mut credential: PublicKeyCredential = self
            .soft
            .do_authentication(self.origin.clone(), rcr)
            .expect("the authenticator answers");
        credential.response.user_handle = handle.map(|h| h.to_vec());
        serde_json::to_value(credential).unwrap()
    }

    /// The id and user handle of the first credential.
    pub fn first(&self) -> (Vec<u8>, Vec<u8>) {
        let (id, handle) = self.handles.iter().next().expect("a registered credential");
        (id.clone(), handle.clone())
    }
}

/// The options as a browser would use them: `SoftPasskey` cannot store resident keys, so the
/// requirement is dropped here (this file keeps the user handle for it instead).
fn creation_options(options: &Value) -> CreationChallengeResponse {
    let mut ccr: CreationChallengeResponse =
        serde_json::from_value(options.clone()).expect("creation options");
    if let Some(selection) = ccr.public_key.authenticator_selection.as_mut() {
        selection.require_resident_key = false;
        selection.resident_key = None;
    }
    ccr
}

pub async fn post(server: &TestServer, path: &str, body: &Value) -> reqwest::Response {
    let request = server.client.post(server.url(path)).json(body);
    crate::helpers::send(request).await
}

/// Starts adding a passkey for `session` (step-up with the password).
pub async fn register_start(server: &TestServer, session: &Session) -> Value {
    let body = json!({ "password": PASSWORD });
    let path = "/api/auth/passkeys/register/start";
    let response = server.post_bearer(path, &session.access_token, &body).await;
    json_with_status(response, 200).await
}

pub async fn register_finish(
    server: &TestServer,
    session: &Session,
    ceremony: &Value,
    credential: &Value,
    name: &str,
) -> reqwest::Response {
    let body = json!({ "ceremony": ceremony, "credential": credential, "name": name });
    let path = "/api/auth/passkeys/register/finish";
    server.post_bearer(path, &session.access_token, &body).await
}

/// `session`'s account gets a passkey on `authenticator`; returns it (`PasskeyInfo`).
pub async fn add_passkey(
    server: &TestServer,
    session: &Session,
    authenticator: &mut Authenticator,
    name: &str,
) -> Value {
    let started = register_start(server, session).await;
    let credential = authenticator.register(&started["options"]);
    let response = register_finish(server, session, &started["ceremony"], &credential, name).await;
    json_with_status(response, 201).await
}

/// Starts a passwordless sign-in; returns the ceremony.
pub async fn sign_in_start(server: &TestServer) -> Value {
    let response = post(server, "/api/auth/passkeys/login/start", &json!({})).await;
    json_with_status(response, 200).await
}

pub async fn sign_in_finish(
    server: &TestServer,
    ceremony: &Value,
    credential: &Value,
) -> reqwest::Response {
    let body = json!({ "ceremony": ceremony, "credential": credential });
    post(server, "/api/auth/passkeys/login/finish", &body).await
}

/// alice, signed up with a password, with one passkey on her authenticator.
pub async fn alice_with_passkey(server: &TestServer) -> (Session, Authenticator) {
    let session = server.signup_session("alice", PASSWORD).await;
    let mut authenticator = Authenticator::new(server);
    add_passkey(server, &session, &mut authenticator, "Laptop").await;
    (session, authenticator)
}

pub async fn server(backend: Backend) -> TestServer {
    TestServer::spawn_on(backend).await
}
