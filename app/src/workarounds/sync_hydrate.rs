//! `SyncHydrate`: a view wrapper that hydrates only synchronously.
//!
//! The router turns every page into an `AnyView`, and an `AnyView` keeps a pointer to its view's
//! `hydrate_async`, the async hydration Leptos uses for lazy hydration and islands. This app has
//! neither (its lazy routes load the shown page's chunk before a synchronous hydration:
//! frontend/src/lib.rs), so that code never runs, yet for a whole page it is a large tree of futures (about a
//! tenth of the WASM). Wrapping a page in `SyncHydrate` makes its `hydrate_async` the trait's
//! default (the ordinary synchronous `hydrate`), and the compiler drops the async tree.
//!
//! Everything else, server rendering included, is passed through unchanged, so the HTML and the
//! hydrated page are exactly those of the wrapped view.

use std::future::Future;

use leptos::attr::any_attribute::AnyAttribute;
use leptos::attr::Attribute;
use leptos::tachys::hydration::Cursor;
use leptos::tachys::ssr::StreamBuilder;
use leptos::tachys::view::add_attr::AddAnyAttr;
use leptos::tachys::view::{Position, PositionState, Render, RenderHtml};

/// Renders `view` as is; hydrates it synchronously even when asked to do so asynchronously.
pub struct SyncHydrate<T>(pub T);

impl<T: Render> Render for SyncHydrate<T> {
    type State = T::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state)
    }
}

impl<T: AddAnyAttr> AddAnyAttr for SyncHydrate<T> {
    type Output<SomeNewAttr: Attribute> = SyncHydrate<T::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        SyncHydrate(self.0.add_any_attr(attr))
    }
}

impl<T: RenderHtml> RenderHtml for SyncHydrate<T> {
    type AsyncOutput = SyncHydrate<T::AsyncOutput>;
    type Owned = SyncHydrate<T::Owned>;

    const MIN_LENGTH: usize = T::MIN_LENGTH;
    const EXISTS: bool = T::EXISTS;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve()
    }

    fn resolve(self) -> impl Future<Output = Self::AsyncOutput> + Send {
        // Boxed (server rendering only), so a `SyncHydrate` also ends the nesting of the futures
        // of a view tree: unbroken, a whole page's exceeds rustc's default recursion limit.
        Box::pin(async move { SyncHydrate(self.0.resolve().await) })
    }

    fn html_len(&self) -> usize {
        self.0.html_len()
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0
            .to_html_with_buf(buf, position, escape, mark_branches, extra_attrs)
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(
            buf,
            position,
            escape,
            mark_branches,
            extra_attrs,
        )
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        cursor: &Cursor,
        position: &PositionState,
    ) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    // `hydrate_async` is deliberately not overridden: the default calls `hydrate`.

    fn into_owned(self) -> Self::Owned {
        SyncHydrate(self.0.into_owned())
    }
}
