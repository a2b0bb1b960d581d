//! `show_when`: Leptos's `<Show>` without type erasure.
//!
//! `<Show fallback=...>`, `ChildrenFn` and `.into_any()` wrap a view in an `AnyView`, whose vtable
//! keeps every way of rendering that view in the WASM, async hydration included, although this
//! app never takes that path. Branching with `Either` keeps the types, so the compiler links only
//! what runs. The HTML is the same: neither wrapper writes any markup of its own.

use leptos::either::Either;
use leptos::prelude::*;

/// Renders `view()` while `condition()` holds and `fallback()` otherwise. Like `<Show>`, the
/// condition is memoized: the branch is rebuilt only when it flips, not on every change of what
/// the condition reads.
pub fn show_when<C, F>(
    condition: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> C + Send + Sync + 'static,
    fallback: impl Fn() -> F + Send + Sync + 'static,
) -> impl IntoView
where
    C: IntoView + 'static,
    F: IntoView + 'static,
{
    let shown = Memo::new(move |_| condition());
    move || {
        if shown.get() {
            Either::Left(view())
        } else {
            Either::Right(fallback())
        }
    }
}
