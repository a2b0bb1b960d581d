//! The browser's DPoP key pair in IndexedDB. A non-extractable `CryptoKey` is structured-cloneable:
//! IndexedDB keeps a handle the browser can sign with, never bytes a script could read out. One
//! record, shared by every tab of the origin.

use js_sys::Promise;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::Unavailable;

const DB_NAME: &str = "tokengate.dpop";
const STORE: &str = "keys";
/// The record holding the `CryptoKeyPair` (`{publicKey, privateKey}`).
const KEY: &str = "device";

/// The stored key pair, if there is one.
pub async fn load() -> Result<Option<JsValue>, Unavailable> {
    let (_, request) = with_store(open().await?, IdbTransactionMode::Readonly, |store| {
        store.get(&KEY.into())
    })?;
    let pair = settled(&request).await?;
    Ok((!pair.is_undefined()).then_some(pair))
}

/// Stores `pair` unless a key is already stored (another tab may have made one first: then
/// theirs stays, and the caller reads it back).
pub async fn add_if_absent(pair: &JsValue) -> Result<(), Unavailable> {
    let (tx, _) = with_store(open().await?, IdbTransactionMode::Readwrite, |store| {
        store.add_with_key(pair, &KEY.into())
    })?;
    // A `ConstraintError` (a key is already there) aborts the transaction: that is fine.
    let _ = committed(&tx).await;
    Ok(())
}

/// Deletes the stored key pair.
pub async fn delete() -> Result<(), Unavailable> {
    let (tx, _) = with_store(open().await?, IdbTransactionMode::Readwrite, |store| {
        store.delete(&KEY.into())
    })?;
    committed(&tx).await?;
    Ok(())
}

/// Runs `op` on the store in a new transaction of `db`, then lets the connection go (it closes
/// once the transaction is done).
fn with_store<T>(
    db: IdbDatabase,
    mode: IdbTransactionMode,
    op: impl FnOnce(&IdbObjectStore) -> Result<T, JsValue>,
) -> Result<(IdbTransaction, T), Unavailable> {
    let started = db
        .transaction_with_str_and_mode(STORE, mode)
        .and_then(|tx| {
            let out = op(&tx.object_store(STORE)?)?;
            Ok((tx, out))
        });
    db.close();
    Ok(started?)
}

/// Opens the database (version 1), creating its one object store the first time.
async fn open() -> Result<IdbDatabase, Unavailable> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or_else(|| Unavailable("no IndexedDB".into()))?;
    let request = factory.open_with_u32(DB_NAME, 1)?;
    let upgrading = request.clone();
    let create_store = Closure::<dyn FnMut()>::new(move || {
        if let Ok(db) = upgrading.result() {
            let _ = db
                .unchecked_into::<IdbDatabase>()
                .create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(create_store.as_ref().unchecked_ref()));
    let opened = settled(&request).await;
    request.set_onupgradeneeded(None);
    drop(create_store);
    Ok(opened?.unchecked_into())
}

/// The result of `request` once it succeeded, or its error. The promise's own functions are the
/// event handlers, so no Rust closure outlives the request.
async fn settled(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let done = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    match JsFuture::from(done).await {
        Ok(_) => request.result(),
        // The request's `DOMException` says more than the event (read without web-sys's
        // `DomException` feature).
        Err(event) => Err(js_sys::Reflect::get(request, &"error".into()).unwrap_or(event)),
    }
}

/// Resolves when `tx` has committed; fails when it aborted.
async fn committed(tx: &IdbTransaction) -> Result<(), JsValue> {
    let done = Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    });
    JsFuture::from(done).await.map(|_| ())
}
