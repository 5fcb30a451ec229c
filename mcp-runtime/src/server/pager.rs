//! Opaque cursors (base64 of `kind:page`) and pre-serialized pages, shared by the tool,
//! resource, template and prompt lists.

use std::sync::Arc;

use base64::Engine;
use serde::Serialize;

use crate::error::Error;

/// A serialized list page, shared by every response that sends it (never copied per
/// request, only written once into each response).
pub(crate) type Page = Arc<[u8]>;

pub(crate) fn encode(kind: &str, page: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{page}"))
}

fn decode(kind: &str, cursor: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    std::str::from_utf8(&bytes)
        .ok()?
        .strip_prefix(kind)?
        .strip_prefix(':')?
        .parse()
        .ok()
}

/// The page a cursor points at (`None` = first); `-32602` for cursors this list did
/// not hand out or that point past the end.
pub(crate) fn page_index(kind: &str, cursor: Option<&str>, pages: usize) -> Result<usize, Error> {
    match cursor {
        None => Ok(0),
        Some(c) => decode(kind, c)
            .filter(|&i| i > 0 && i < pages)
            .ok_or_else(|| Error::invalid_params(format!("Invalid cursor: {c}"))),
    }
}

/// How many pages `len` items make (at least one, possibly empty).
pub(crate) fn page_count(len: usize, page_size: usize) -> usize {
    len.div_ceil(page_size.max(1)).max(1)
}

/// Items of page `index`.
pub(crate) fn slice<T>(items: &[T], page_size: usize, index: usize) -> &[T] {
    let size = page_size.max(1);
    let start = (index * size).min(items.len());
    &items[start..(start + size).min(items.len())]
}

/// Serializes one page with `make(items, next_cursor)`.
pub(crate) fn render<T, P: Serialize>(
    kind: &str,
    items: &[T],
    page_size: usize,
    index: usize,
    make: impl Fn(&[T], Option<String>) -> P,
) -> Result<Vec<u8>, Error> {
    let count = page_count(items.len(), page_size);
    let next = (index + 1 < count).then(|| encode(kind, index + 1));
    serde_json::to_vec(&make(slice(items, page_size, index), next)).map_err(Error::from)
}

/// One page of the entries `keep` retains, serialized for this request: a list filtered
/// per caller (`Auth::hide_unpermitted`). Cursors index the filtered list, which is the
/// same for every request of a caller with the same scopes.
pub(crate) fn filtered<E, T: Clone, P: Serialize>(
    kind: &str,
    entries: &[E],
    keep: impl Fn(&E) -> bool,
    item: impl Fn(&E) -> T,
    page_size: usize,
    cursor: Option<&str>,
    make: impl Fn(&[T], Option<String>) -> P,
) -> Result<Page, Error> {
    let items: Vec<T> = entries.iter().filter(|e| keep(e)).map(item).collect();
    let index = page_index(kind, cursor, page_count(items.len(), page_size))?;
    render(kind, &items, page_size, index, make).map(Page::from)
}

/// Every page, serialized ahead of time.
pub(crate) fn render_all<T, P: Serialize>(
    kind: &str,
    items: &[T],
    page_size: usize,
    make: impl Fn(&[T], Option<String>) -> P,
) -> Result<Vec<Page>, Error> {
    (0..page_count(items.len(), page_size))
        .map(|i| render(kind, items, page_size, i, &make).map(Page::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_kind_specific() {
        let c = encode("prompts", 2);
        assert_eq!(page_index("prompts", Some(&c), 3).unwrap(), 2);
        assert!(page_index("resources", Some(&c), 3).is_err());
        assert!(page_index("prompts", Some(&c), 2).is_err());
        assert!(page_index("prompts", Some("garbage"), 3).is_err());
        assert_eq!(page_count(0, 10), 1);
        assert_eq!(page_count(21, 10), 3);
    }
}
