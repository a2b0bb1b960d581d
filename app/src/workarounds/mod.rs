//! Leptos work-arounds, each kept for a measured reason. Before "tidying" one away, re-measure:
//! `cargo leptos build --release` and compare the gzip size of `target/site/pkg/*.wasm`, and run
//! the Playwright suite.
//!
//! | what | why | saving | when it can go |
//! |---|---|---|---|
//! | [`SyncHydrate`] around every page | the router keeps each page's async hydration (for lazy routes and islands, unused here) reachable | -13.8 KB gzip (4891492) | when hydration becomes async (`hydrate_lazy`; the pages are lazy routes, but frontend/src/lib.rs loads the shown page's chunk first and hydrates synchronously), or Leptos stops linking it for sync routes |
//! | [`show_when`] instead of `<Show fallback>` | `<Show>`, `ChildrenFn` and `.into_any()` erase view types, keeping every render path in the WASM | part of -18.5 KB gzip (355a613) | when Leptos's `Show` keeps types |
//! | `RequireAuth` (components/require_auth.rs) instead of `ProtectedRoute` | `ProtectedRoute` decides during SSR, where storage is invisible, and would redirect logged-in users; ours waits for hydration, and takes typed children | correctness, and part of 355a613 | when the token moves out of browser storage |
//! | plain `Action` instead of `ServerAction` in the login and sign-up pages | `ServerAction` also decodes errors from the URL for `<ActionForm>` redirects, which this app never uses | several KB (e23bfa2) | when forms use `<ActionForm>` |
//! | own base64url decoder in `client/jwt_view.rs` | the `base64` crate's engine for one display-only decode | -3.4 KB gzip (e23bfa2) | if `base64` is in the client for another reason |

mod show_when;
mod sync_hydrate;

pub use show_when::show_when;
pub use sync_hydrate::SyncHydrate;
