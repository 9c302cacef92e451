//! A list read by limit and offset, as one stream of its items: the page
//! after page loop every API with such a list would write again.
//!
//! Offsets move when the list changes while it is read: a record added at
//! the front (newest first) pushes the last items of a page onto the next,
//! where they would be seen twice. Items of the page before are skipped
//! (a shift of less than a page); a full page of nothing but those means
//! the server ignored the offset, and ends the stream with an error rather
//! than looping or stopping as if the list had ended.

use std::collections::HashSet;
use std::future::Future;

use futures_util::{Stream, TryStreamExt, stream};

/// Every item of a list read `page_size` at a time: `fetch(offset, limit)`
/// reads one page; `key` names an item (its id); `stalled` is the error
/// for a server that gave the same page again.
pub(crate) fn by_offset<'a, T, E, F, Fut>(
    page_size: u32,
    key: impl Fn(&T) -> String + 'a,
    stalled: impl Fn() -> E + 'a,
    fetch: F,
) -> impl Stream<Item = Result<T, E>> + 'a
where
    T: 'a,
    E: 'a,
    F: FnMut(u32, u32) -> Fut + 'a,
    Fut: Future<Output = Result<Vec<T>, E>> + 'a,
{
    struct State<F, K, S> {
        fetch: F,
        key: K,
        stalled: S,
        offset: u32,
        previous: HashSet<String>,
        done: bool,
    }
    let start = State {
        fetch,
        key,
        stalled,
        offset: 0,
        previous: HashSet::new(),
        done: false,
    };
    stream::try_unfold(start, move |mut state| async move {
        if state.done {
            return Ok(None);
        }
        let page = (state.fetch)(state.offset, page_size).await?;
        let full = page.len() >= page_size as usize;
        let keys: HashSet<String> = page.iter().map(&state.key).collect();
        let fresh: Vec<T> = page
            .into_iter()
            .filter(|item| !state.previous.contains(&(state.key)(item)))
            .collect();
        if full && fresh.is_empty() {
            return Err((state.stalled)());
        }
        state.done = !full;
        state.offset = state.offset.saturating_add(page_size);
        state.previous = keys;
        Ok(Some((fresh, state)))
    })
    .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
    .try_flatten()
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use futures_util::TryStreamExt;

    use super::*;

    /// A list of `items` served by offset; `asked` records each (offset, limit).
    async fn read(
        items: Vec<u32>,
        insert_after_first: Option<u32>,
    ) -> (Result<Vec<u32>, String>, Vec<(u32, u32)>) {
        let list = RefCell::new(items);
        let asked = RefCell::new(Vec::new());
        let result = by_offset(
            10,
            |n: &u32| n.to_string(),
            || "stalled".to_string(),
            |offset, limit| {
                asked.borrow_mut().push((offset, limit));
                let page: Vec<u32> = list
                    .borrow()
                    .iter()
                    .skip(offset as usize)
                    .take(limit as usize)
                    .copied()
                    .collect();
                if let (Some(new), 0) = (insert_after_first, offset) {
                    list.borrow_mut().insert(0, new);
                }
                async move { Ok::<_, String>(page) }
            },
        )
        .try_collect::<Vec<u32>>()
        .await;
        (result, asked.into_inner())
    }

    #[tokio::test]
    async fn every_item_once_page_after_page_until_a_short_page() {
        let (items, asked) = read((0..25).collect(), None).await;
        assert_eq!(items.unwrap(), (0..25).collect::<Vec<_>>());
        assert_eq!(asked, [(0, 10), (10, 10), (20, 10)]);
        // An exact multiple ends with an empty page.
        let (items, asked) = read((0..20).collect(), None).await;
        assert_eq!(items.unwrap().len(), 20);
        assert_eq!(asked.len(), 3);
    }

    #[tokio::test]
    async fn an_item_added_at_the_front_meanwhile_is_not_seen_twice() {
        let (items, _) = read((0..25).collect(), Some(100)).await;
        // 9 was pushed onto the second page: seen once.
        assert_eq!(items.unwrap(), (0..25).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_server_that_ignores_the_offset_ends_with_an_error_not_a_short_list() {
        let asked = RefCell::new(0);
        let result = by_offset(
            3,
            |n: &u32| n.to_string(),
            || "stalled".to_string(),
            |_, _| {
                *asked.borrow_mut() += 1;
                async { Ok::<_, String>(vec![1, 2, 3]) }
            },
        )
        .try_collect::<Vec<u32>>()
        .await;
        assert_eq!(result, Err("stalled".to_string()));
        assert_eq!(*asked.borrow(), 2);
    }
}
