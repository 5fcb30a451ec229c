//! Cheap byte scans over raw params, to skip full parses that would find nothing.

use std::sync::LazyLock;

use memchr::memmem::Finder;

/// Keys whose presence is tested on every request: searchers built once, not per call.
pub(crate) static META: LazyLock<[Finder<'static>; 1]> = LazyLock::new(|| [Finder::new("_meta")]);
/// A `\u` escape, the only way to spell a key without its own bytes.
static UNICODE_ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("\\u"));

/// False only when `params` is an object that certainly has none of `keys` at any depth,
/// so a parse looking for them (a whole extra pass over a large argument) can be skipped.
/// A key spelled out contains its own bytes, or else a `\u` escape; a false positive
/// only costs the parse, and anything but an object is parsed to get its error.
pub(crate) fn may_hold_keys(params: &[u8], keys: &[Finder<'static>]) -> bool {
    params.first() != Some(&b'{')
        || UNICODE_ESCAPE.find(params).is_some()
        || keys.iter().any(|k| k.find(params).is_some())
}

#[cfg(test)]
mod tests {
    use super::{may_hold_keys, META};

    #[test]
    fn only_certain_absence_skips() {
        let keys = &*META;
        assert!(!may_hold_keys(
            br#"{"name":"add","arguments":{"a":1}}"#,
            keys
        ));
        assert!(!may_hold_keys(br#"{"text":"a \"quoted\" line\n"}"#, keys));
        assert!(may_hold_keys(br#"{"_meta":{}}"#, keys));
        assert!(may_hold_keys(br#"{"\u005fmeta":{}}"#, keys));
        assert!(may_hold_keys(br#"{"text":"says _meta"}"#, keys));
        assert!(may_hold_keys(b"[1]", keys));
        assert!(may_hold_keys(b"", keys));
    }
}
