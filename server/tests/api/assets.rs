//! Static files: the hydration bundle under `/pkg` is cached for a year when its names carry a
//! content hash (`LEPTOS_HASH_FILES=true`) and revalidated otherwise; precompressed `.br`/`.gz`
//! siblings are sent to clients that accept them; a missing bundle file is an empty 404, never
//! the HTML page; `public/` files are cached for an hour; pages are never cached long.
//!
//! The server runs on a small site written here, not on `target/site`: the answers depend only on
//! these files, whichever build last wrote the real site. Serving files does not touch the
//! database, so these run on SQLite only.

use reqwest::header::{HeaderName, ACCEPT_ENCODING, IF_MODIFIED_SINCE};
use reqwest::Response;
use tempfile::TempDir;

use crate::helpers::{header, Backend, TestServer};

/// A name as cargo-leptos writes it with `hash-files`: `<name>.<MD5, base64url>.<ext>`.
const HASHED_CSS: &str = "/pkg/tokengate.Qm9vLXF1eC1iYXotMTIzNA.css";
const PLAIN_CSS: &str = "/pkg/tokengate.css";
const CSS: &[u8] = b"body { margin: 0; } /* the stylesheet, uncompressed */";
// Stand-ins for the compressed variants: the server sends them as they are.
const CSS_BR: &[u8] = b"brotli bytes";
const CSS_GZ: &[u8] = b"gzip bytes, a few more";
const FAVICON: &[u8] = b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
/// A WASM chunk of a lazy page as `cargo leptos build --split` names it, with `hash-files`.
const HASHED_CHUNK: &str = "/pkg/chunk_3.Qm9vLXF1eC1iYXotMTIzNA.wasm";
const CHUNK: &[u8] = b"\0asm\x01\0\0\0";
const CHUNK_BR: &[u8] = b"brotli wasm bytes";

const A_YEAR_IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `<root>/pkg/` with the stylesheet under a hashed and a plain name, each with `.br` and `.gz`
/// siblings as `cargo leptos build --release --precompress` writes them, and `<root>/favicon.svg`.
fn site() -> TempDir {
    let root = tempfile::tempdir().expect("cannot create the site directory");
    let pkg = root.path().join("pkg");
    std::fs::create_dir(&pkg).expect("cannot create pkg/");
    for path in [HASHED_CSS, PLAIN_CSS] {
        let file = root.path().join(path.trim_start_matches('/'));
        std::fs::write(&file, CSS).expect("cannot write the stylesheet");
        std::fs::write(file.with_extension("css.br"), CSS_BR).expect("cannot write .br");
        std::fs::write(file.with_extension("css.gz"), CSS_GZ).expect("cannot write .gz");
    }
    let chunk = root.path().join(HASHED_CHUNK.trim_start_matches('/'));
    std::fs::write(&chunk, CHUNK).expect("cannot write the chunk");
    std::fs::write(chunk.with_extension("wasm.br"), CHUNK_BR).expect("cannot write .br");
    std::fs::write(root.path().join("favicon.svg"), FAVICON).expect("cannot write the favicon");
    root
}

async fn serve(site: &TempDir, hash_files: bool) -> TestServer {
    let root = site.path().to_str().expect("the site path is UTF-8");
    let hash_files = if hash_files { "true" } else { "false" };
    let env = [
        ("LEPTOS_SITE_ROOT", root),
        ("LEPTOS_HASH_FILES", hash_files),
    ];
    TestServer::spawn_with(Backend::Sqlite, &env).await
}

async fn get_with(server: &TestServer, path: &str, name: HeaderName, value: &str) -> Response {
    let request = server.client.get(server.url(path)).header(name, value);
    let response = request.send().await;
    response.expect("request to the test server failed")
}

/// Asserts status 200 and the exact file headers; returns the body.
async fn file(response: Response, cache_control: &str, encoding: Option<&str>) -> Vec<u8> {
    let headers = response.headers().clone();
    assert_eq!(response.status().as_u16(), 200, "{headers:?}");
    assert_eq!(header(&headers, "cache-control"), Some(cache_control));
    assert_eq!(header(&headers, "content-encoding"), encoding);
    assert_eq!(header(&headers, "vary"), Some("accept-encoding"));
    let body = response.bytes().await.expect("body is readable").to_vec();
    let length = header(&headers, "content-length").map(str::to_owned);
    assert_eq!(length, Some(body.len().to_string()));
    body
}

#[tokio::test]
async fn hashed_bundle_file_is_cached_for_a_year_and_sent_as_brotli_to_browsers() {
    let site = site();
    let server = serve(&site, true).await;

    let response = get_with(
        &server,
        HASHED_CSS,
        ACCEPT_ENCODING,
        "gzip, deflate, br, zstd",
    )
    .await;

    assert_eq!(header(response.headers(), "content-type"), Some("text/css"));
    let body = file(response, A_YEAR_IMMUTABLE, Some("br")).await;
    assert_eq!(body, CSS_BR);
}

/// `WebAssembly.instantiateStreaming`, which loads the chunks, refuses any other content type.
#[tokio::test]
async fn hashed_wasm_chunk_is_sent_as_brotli_wasm_cached_for_a_year() {
    let site = site();
    let server = serve(&site, true).await;

    let response = get_with(&server, HASHED_CHUNK, ACCEPT_ENCODING, "gzip, br").await;

    let content_type = header(response.headers(), "content-type").map(str::to_owned);
    assert_eq!(content_type.as_deref(), Some("application/wasm"));
    assert_eq!(file(response, A_YEAR_IMMUTABLE, Some("br")).await, CHUNK_BR);
}

#[tokio::test]
async fn hashed_bundle_file_is_sent_as_gzip_to_clients_without_brotli() {
    let site = site();
    let server = serve(&site, true).await;

    let response = get_with(&server, HASHED_CSS, ACCEPT_ENCODING, "gzip").await;

    let body = file(response, A_YEAR_IMMUTABLE, Some("gzip")).await;
    assert_eq!(body, CSS_GZ);
}

#[tokio::test]
async fn hashed_bundle_file_is_sent_uncompressed_without_accept_encoding() {
    let site = site();
    let server = serve(&site, true).await;

    let response = server.get(HASHED_CSS).await;

    let body = file(response, A_YEAR_IMMUTABLE, None).await;
    assert_eq!(body, CSS);
}

#[tokio::test]
async fn bundle_file_is_revalidated_when_file_names_are_not_hashed() {
    let site = site();
    let server = serve(&site, false).await;

    let response = get_with(&server, PLAIN_CSS, ACCEPT_ENCODING, "br").await;

    let last_modified = header(response.headers(), "last-modified").map(str::to_owned);
    assert_eq!(file(response, "no-cache", Some("br")).await, CSS_BR);
    let last_modified = last_modified.expect("Last-Modified is sent for revalidation");
    let revalidated = get_with(&server, PLAIN_CSS, IF_MODIFIED_SINCE, &last_modified).await;
    assert_eq!(revalidated.status().as_u16(), 304);
    assert_eq!(
        header(revalidated.headers(), "cache-control"),
        Some("no-cache")
    );
}

#[tokio::test]
async fn unhashed_name_is_revalidated_even_when_file_names_are_hashed() {
    let site = site();
    let server = serve(&site, true).await;

    let response = server.get(PLAIN_CSS).await;

    assert_eq!(file(response, "no-cache", None).await, CSS);
}

#[tokio::test]
async fn missing_bundle_file_is_an_empty_404_not_the_page() {
    let site = site();
    let server = serve(&site, true).await;

    for path in ["/pkg/tokengate.Qm9vLXF1eC1iYXotMTIzNA.js", "/pkg/", "/pkg"] {
        let response = server.get(path).await;

        let headers = response.headers().clone();
        assert_eq!(response.status().as_u16(), 404, "{path}");
        assert_eq!(header(&headers, "content-type"), None, "{path}");
        assert_eq!(header(&headers, "cache-control"), None, "{path}");
        assert_eq!(response.bytes().await.expect("body").len(), 0, "{path}");
    }
}

#[tokio::test]
async fn public_file_is_cached_for_an_hour() {
    let site = site();
    let server = serve(&site, true).await;

    let response = server.get("/favicon.svg").await;

    let content_type = header(response.headers(), "content-type").map(str::to_owned);
    assert_eq!(content_type.as_deref(), Some("image/svg+xml"));
    assert_eq!(file(response, "public, max-age=3600", None).await, FAVICON);
}

#[tokio::test]
async fn pages_are_not_cached_long() {
    let site = site();
    let server = serve(&site, false).await;

    for (path, status) in [("/", 200), ("/login", 200), ("/no-such-page", 404)] {
        let response = match server.client.get(server.url(path)).send().await {
            Ok(response) => response,
            Err(e) => {
                let (_, printed) = server.stop().await;
                panic!("GET {path} failed: {e:?}; the server printed:\n{printed}");
            }
        };

        let headers = response.headers();
        assert_eq!(response.status().as_u16(), status, "{path}");
        let content_type = header(headers, "content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("text/html"),
            "{path}: {content_type}"
        );
        let cache_control = header(headers, "cache-control").unwrap_or_default();
        assert!(
            !cache_control.contains("max-age") && !cache_control.contains("immutable"),
            "{path}: {cache_control}"
        );
    }
}

/// Every page renders whole while many are rendered at once: a page's reactive owner is cleaned
/// up wherever its response stream is polled, often another worker thread than the render's,
/// and a component that kept a thread-local value there used to panic mid-stream (the login
/// page's passkey autofill handle: a cut-off page, `IncompleteMessage` here).
#[tokio::test]
async fn pages_render_whole_under_concurrent_requests() {
    let site = site();
    let server = serve(&site, false).await;
    let paths = ["/login", "/signup", "/", "/account", "/forgot-password"];
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..120 {
        let (client, path) = (server.client.clone(), paths[i % paths.len()]);
        let url = server.url(path);
        tasks.spawn(async move {
            let response = client
                .get(url)
                .send()
                .await
                .map_err(|e| format!("{path}: {e:?}"))?;
            let status = response.status().as_u16();
            let body = response
                .text()
                .await
                .map_err(|e| format!("{path}: {e:?}"))?;
            Ok::<_, String>((path, status, body))
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = tasks.join_next().await {
        match done.expect("request task") {
            Ok((path, status, body)) => {
                // The stream's last chunk: the scripts after `</html>`.
                let whole = body.contains("</html>") && body.trim_end().ends_with("</script>");
                if status != 200 || !whole {
                    failures.push(format!("{path}: {status}, {} bytes", body.len()));
                }
            }
            Err(e) => failures.push(e),
        }
    }
    if !failures.is_empty() {
        let (_, printed) = server.stop().await;
        panic!(
            "{} pages cut off: {failures:?}; the server printed:\n{printed}",
            failures.len()
        );
    }
}
