//! Static files from the site root that cargo-leptos builds (`LEPTOS_SITE_ROOT`): the hydration
//! bundle under `/pkg` (JS, WASM, CSS, and with `--split` the lazy pages' WASM chunks and their
//! loader, `__wasm_split.*.js`) and the files copied from `public/` (favicon).
//!
//! `cargo leptos build --release --precompress` writes a `.br` and a `.gz` next to every file;
//! they are sent as-is to clients that accept them, so nothing is compressed per request.
//! With `hash-files` (`LEPTOS_HASH_FILES=true`) the bundle's names carry an MD5 of their content,
//! so those files can be cached for a year: a new build has new names, and the HTML pages (never
//! cached long) always name the current ones.

use std::future::Future;
use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use leptos::config::LeptosOptions;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// A content-hashed name never changes content.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// Same name, new content after a rebuild: the browser revalidates (`If-Modified-Since` → 304).
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");
/// `public/` files keep their names across builds but hardly change (a favicon). An hour bounds
/// how stale they get; without a header browsers guess (10% of the file's age: days).
const PUBLIC_FILE: HeaderValue = HeaderValue::from_static("public, max-age=3600");

/// Length of cargo-leptos's content hash in a file name: MD5, unpadded base64url.
const HASH_LEN: usize = 22;

/// `GET`/`HEAD /pkg/*`: the file, its precompressed variant, or an empty 404 (never a page:
/// a missing script must fail as a script, not as HTML).
pub fn pkg_files(options: &LeptosOptions) -> MethodRouter {
    let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false);
    let hashed_names = options.hash_files;
    get(move |request: Request| async move {
        let cache = if hashed_names && is_content_hashed(request.uri().path()) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        serve(files, request, cache).await
    })
}

/// The files copied from `public/` to the site root, or `None` when there is no such file
/// (the caller then renders the 404 page).
pub fn public_file(
    options: &LeptosOptions,
    request: &Request,
) -> impl Future<Output = Option<Response>> + Send + 'static {
    // Only the parts a file answer depends on; the original request stays with the caller.
    let probe = matches!(*request.method(), Method::GET | Method::HEAD).then(|| {
        let mut probe = Request::new(Body::empty());
        *probe.method_mut() = request.method().clone();
        *probe.uri_mut() = request.uri().clone();
        *probe.headers_mut() = request.headers().clone();
        probe
    });
    let files = ServeDir::new(options.site_root.as_ref())
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false);
    async move {
        let response = serve(files, probe?, PUBLIC_FILE).await;
        (response.status() != StatusCode::NOT_FOUND).then_some(response)
    }
}

async fn serve(files: ServeDir, request: Request, cache: HeaderValue) -> Response {
    let mut response = match files.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    let status = response.status();
    if status.is_server_error() {
        // ServeDir answers 500 when the file system refuses the name itself (longer than
        // NAME_MAX, a NUL byte from `%00`): no file can have such a name, so it is a 404.
        return StatusCode::NOT_FOUND.into_response();
    }
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, cache);
        // The body depends on Accept-Encoding (a `.br`/`.gz` sibling may be sent instead).
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response.into_response()
}

/// Whether the last path segment looks like `name.<hash>.ext`, as cargo-leptos names the JS,
/// WASM and CSS with `hash-files` on. Files it leaves unhashed (wasm-bindgen `snippets/`) are
/// revalidated instead.
fn is_content_hashed(path: &str) -> bool {
    let file_name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = file_name.rsplit('.');
    let (Some(_ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !stem.is_empty()
        && hash.len() == HASH_LEN
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn names_with_a_content_hash_are_recognised() {
        assert!(is_content_hashed("/tokengate.Qm9vLXF1eC1iYXotMTIzNA.wasm"));
        assert!(is_content_hashed("/__wasm_split.Qm9vLXF1eC1iYXotMTIzNA.js"));
        // The WASM chunks of the lazy pages (`cargo leptos build --split`).
        assert!(is_content_hashed("/chunk_3.Qm9vLXF1eC1iYXotMTIzNA.wasm"));
        assert!(is_content_hashed(
            "/split___account_route_view_42.Qm9vLXF1eC1iYXotMTIzNA.wasm"
        ));
    }

    #[test]
    fn plain_names_and_snippets_are_not_content_hashed() {
        assert!(!is_content_hashed("/tokengate.wasm"));
        assert!(!is_content_hashed("/tokengate.css"));
        assert!(!is_content_hashed("/snippets/leptos-abc/inline0.js"));
        assert!(!is_content_hashed("/.Qm9vLXF1eC1iYXotMTIzNA.js"));
        assert!(!is_content_hashed("/tokengate.Qm9v+XF1eC1iYXotMTIzNA.js"));
    }
}
