//! The server-function client: the default browser client plus the stored access token, read
//! from storage on every call (so a token refreshed in another tab is picked up), and DPoP proofs
//! (`dpop`): a token request always carries one, so the server binds the session to this
//! browser's key; a bound token goes as `Authorization: DPoP` with a proof for that very request;
//! an unbound one as `Authorization: Bearer`.

use std::future::Future;

use futures::{Sink, Stream};
use leptos::server_fn::client::browser::BrowserClient;
use leptos::server_fn::client::Client;
use leptos::server_fn::error::FromServerFnError;
use leptos::server_fn::request::browser::BrowserRequest;
use leptos::server_fn::response::browser::BrowserResponse;
use leptos::server_fn::Bytes;

#[cfg(feature = "hydrate")]
use super::dpop::{self, ProofPlan};
#[cfg(feature = "hydrate")]
use super::token_store;

pub struct ApiClient;

impl<E, IS, OS> Client<E, IS, OS> for ApiClient
where
    E: FromServerFnError,
    IS: FromServerFnError,
    OS: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = BrowserResponse;

    #[cfg(feature = "hydrate")]
    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        // Proofs come from WebCrypto promises (`!Send`); the browser runs everything on one
        // thread, as `BrowserClient` itself assumes with the same wrapper.
        send_wrapper::SendWrapper::new(async move {
            authorize(&req).await;
            <BrowserClient as Client<E, IS, OS>>::send(req).await
        })
    }

    #[cfg(not(feature = "hydrate"))]
    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        <BrowserClient as Client<E, IS, OS>>::send(req)
    }

    #[allow(clippy::type_complexity)]
    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                impl Sink<Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IS, OS>>::spawn(future)
    }
}

/// Adds `Authorization` and `DPoP` to `req` as its `ProofPlan` says. Without WebCrypto or
/// IndexedDB (an old browser, a page outside a secure context) the token goes as Bearer: an
/// unbound session keeps working, a bound one is refused and ends as on any other 401.
#[cfg(feature = "hydrate")]
async fn authorize(req: &BrowserRequest) {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let (htu, path) = dpop::target(&origin, &req.url());
    let method = req.method();
    let headers = req.headers();
    let proved = |token| dpop::proof(method.as_str(), &htu, token);
    match ProofPlan::for_request(&path, token_store::load()) {
        ProofPlan::TokenRequest => match proved(None).await {
            Ok(proof) => headers.append("DPoP", &proof),
            Err(why) => warn_once(why),
        },
        ProofPlan::Bound(token) => match proved(Some(&token)).await {
            Ok(proof) => {
                headers.append("Authorization", &format!("DPoP {token}"));
                headers.append("DPoP", &proof);
            }
            Err(why) => {
                warn_once(why);
                headers.append("Authorization", &format!("Bearer {token}"));
            }
        },
        ProofPlan::Bearer(token) => headers.append("Authorization", &format!("Bearer {token}")),
        ProofPlan::Anonymous => {}
    }
}

/// Logs the first failure to make a proof (later ones are the same story).
#[cfg(feature = "hydrate")]
fn warn_once(why: dpop::Unavailable) {
    thread_local! {
        static WARNED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if !WARNED.replace(true) {
        let text = format!("DPoP unavailable, tokens go as Bearer: {}", why.0);
        web_sys::console::warn_1(&text.into());
    }
}
