//! Following `meta.next_token` from page to page, as a stream.
//!
//! [`Pages`] yields whole pages (each with its own includes and partial
//! errors); [`Items`] yields the items of those pages one by one, each keeping
//! access to its page so the include-join still works. A page is dropped when
//! the caller drops it (and, for items, when its last item is dropped):
//! nothing accumulates, so memory stays flat however long the pull.
//!
//! Every page tells the token that continues after it
//! ([`Response::next_token`]); a pull can start from a saved token with
//! [`Pages::resume_from`].
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};
use xapi_generated::runtime::{Envelope, Model, Operation, RequestParts};

use crate::answer::error::Error;
use crate::answer::response::Response;
use crate::client::progress::ProgressEvent;
use crate::client::Client;

/// The query parameter that carries the page token of `operation`.
fn token_param(operation: &Operation) -> &'static str {
    operation
        .pagination
        .token_param()
        .unwrap_or("pagination_token")
}

/// Limits on a pull.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Limits {
    /// Stop after this many pages.
    pub max_pages: Option<usize>,
}

setters!(Limits {
    max_pages: Option<usize>,
});

/// A stream of pages of a paginated operation.
pub struct Pages<T> {
    inner: Option<BoxStream<'static, Result<Response<T>, Error>>>,
    client: Client,
    operation: &'static Operation,
    parts: RequestParts,
    limits: Limits,
}

struct State {
    client: Client,
    operation: &'static Operation,
    parts: RequestParts,
    token_param: &'static str,
    pages: usize,
    limits: Limits,
    done: bool,
    /// Every token followed so far (a long pull holds one short string per
    /// page).
    followed: HashSet<String>,
    /// A token sent again: the error to end the stream with.
    repeated: Option<String>,
}

impl<T> Pages<T> {
    pub(crate) fn new(client: Client, operation: &'static Operation, parts: RequestParts) -> Self {
        Pages {
            inner: None,
            client,
            operation,
            parts,
            limits: Limits::default(),
        }
    }

    /// Stops after `n` pages.
    pub fn max_pages(mut self, n: usize) -> Self {
        self.limits.max_pages = Some(n);
        self
    }

    /// Starts from a saved page token (resuming an interrupted pull).
    pub fn resume_from(mut self, token: impl Into<String>) -> Self {
        let name = token_param(self.operation);
        self.parts.set_query(name, token.into());
        self
    }

    /// The operation being paginated.
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }
}

impl<T: Model + Envelope + Send + Sync + 'static> Pages<T>
where
    T::Data: DataLen,
{
    fn start(&mut self) -> BoxStream<'static, Result<Response<T>, Error>> {
        let mut state = State {
            client: self.client.clone(),
            operation: self.operation,
            parts: std::mem::take(&mut self.parts),
            token_param: token_param(self.operation),
            pages: 0,
            limits: self.limits,
            done: false,
            followed: HashSet::new(),
            repeated: None,
        };
        if let Some(start) = state.parts.query_value(state.token_param) {
            state.followed.insert(start.to_owned());
        }
        futures::stream::unfold(state, |mut st| async move {
            if let Some(token) = st.repeated.take() {
                st.done = true;
                let cycle = Error::PageCycle {
                    operation: st.operation.id,
                    token,
                    pages: st.pages,
                };
                return Some((Err(cycle), st));
            }
            if st.done || st.limits.max_pages.is_some_and(|m| st.pages >= m) {
                return None;
            }
            let result = st
                .client
                .send_operation::<T>(st.operation, st.parts.clone())
                .await
                .map_err(|source| Error::Page {
                    operation: st.operation.id,
                    resume_token: st.parts.query_value(st.token_param).map(str::to_owned),
                    pages: st.pages,
                    source: Box::new(source),
                });
            st.pages = st.pages.saturating_add(1);
            match &result {
                Ok(page) => {
                    let items = page.data().map(DataLen::data_len).unwrap_or(0);
                    st.client.report(ProgressEvent::Page {
                        operation: st.operation.id,
                        items,
                    });
                    match page.next_token() {
                        // A token already followed: the pages would repeat.
                        Some(token) if st.followed.contains(token) => {
                            st.repeated = Some(token.to_owned())
                        }
                        Some(token) if !token.is_empty() => {
                            st.followed.insert(token.to_owned());
                            st.parts.set_query(st.token_param, token.to_owned())
                        }
                        _ => st.done = true,
                    }
                }
                Err(_) => st.done = true,
            }
            Some((result, st))
        })
        .boxed()
    }

    /// The items of every page, one by one, each with access to its page.
    pub fn items<E>(self) -> Items<T, E>
    where
        T: Envelope<Data = Vec<E>>,
    {
        Items {
            pages: self,
            current: None,
            pending: VecDeque::new(),
            max_items: None,
            yielded: 0,
            stop: None,
        }
    }
}

impl<T: Model + Envelope + Send + Sync + 'static> Stream for Pages<T>
where
    T::Data: DataLen,
{
    type Item = Result<Response<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.inner.is_none() {
            let stream = self.start();
            self.inner = Some(stream);
        }
        match self.inner.as_mut() {
            Some(s) => s.poll_next_unpin(cx),
            None => Poll::Ready(None),
        }
    }
}

/// The `None` arm of [`PageItem::get`], which item streams never reach.
#[cold]
#[allow(clippy::panic)] // an internal invariant, not network input
fn unreachable_item() -> ! {
    panic!("an item is only made for an index inside its page")
}

/// Number of items in a page's `data` (a list for paginated operations).
pub trait DataLen {
    /// Number of items.
    fn data_len(&self) -> usize;
}

impl<E> DataLen for Vec<E> {
    fn data_len(&self) -> usize {
        self.len()
    }
}

/// One item of a page, keeping the page alive (and so its includes).
pub struct PageItem<T> {
    page: Arc<Response<T>>,
    index: usize,
}

impl<T> Clone for PageItem<T> {
    fn clone(&self) -> Self {
        PageItem {
            page: self.page.clone(),
            index: self.index,
        }
    }
}

impl<T: Envelope<Data = Vec<E>>, E> PageItem<T> {
    /// The item.
    pub fn get(&self) -> &E {
        match self.page.data().and_then(|d| d.get(self.index)) {
            Some(item) => item,
            // An item is only made for an index inside its page.
            None => unreachable_item(),
        }
    }
}

impl<T> PageItem<T> {
    /// The page the item came from (for its includes, errors, meta, token).
    pub fn page(&self) -> &Response<T> {
        &self.page
    }

    /// Position of the item in its page.
    pub fn index(&self) -> usize {
        self.index
    }
}

impl<T: Envelope<Data = Vec<crate::models::Tweet>>> PageItem<T> {
    /// The post's author, from its page's includes.
    pub fn author(&self) -> crate::answer::join::Lookup<'_, crate::models::User> {
        self.page.author(self.get())
    }
}

type StopFn<E> = Box<dyn Fn(&E) -> bool + Send + Sync>;

/// The items of a paginated pull, one by one.
pub struct Items<T, E> {
    pages: Pages<T>,
    current: Option<Arc<Response<T>>>,
    pending: VecDeque<usize>,
    max_items: Option<usize>,
    yielded: usize,
    stop: Option<StopFn<E>>,
}

impl<T, E> Items<T, E> {
    /// Stops after `n` items.
    pub fn max_items(mut self, n: usize) -> Self {
        self.max_items = Some(n);
        self
    }

    /// Stops at the first item for which `stop` is true (that item is not
    /// yielded): e.g. a post older than a time, or an id already seen.
    pub fn stop_when(mut self, stop: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.stop = Some(Box::new(stop));
        self
    }
}

impl<T, E> Stream for Items<T, E>
where
    T: Model + Envelope<Data = Vec<E>> + Send + Sync + Unpin + 'static,
    E: Unpin,
{
    type Item = Result<PageItem<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.max_items.is_some_and(|m| this.yielded >= m) {
                return Poll::Ready(None);
            }
            if let (Some(page), Some(index)) = (this.current.clone(), this.pending.pop_front()) {
                let item = PageItem { page, index };
                if let Some(stop) = &this.stop {
                    if stop(item.get()) {
                        this.max_items = Some(this.yielded);
                        return Poll::Ready(None);
                    }
                }
                this.yielded = this.yielded.saturating_add(1);
                return Poll::Ready(Some(Ok(item)));
            }
            this.current = None;
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => {
                    let n = page.data().map(Vec::len).unwrap_or(0);
                    this.pending = (0..n).collect();
                    this.current = Some(Arc::new(page));
                }
            }
        }
    }
}
