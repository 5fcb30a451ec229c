//! Cheap byte scans over raw params, to skip full parses that would find nothing.

use memchr::memmem::find;

/// False only when `params` is an object that certainly has none of `keys` at any depth,
/// so a parse looking for them (a whole extra pass over a large argument) can be skipped.
/// A key spelled out contains its own bytes, or else a `\u` escape; a false positive
/// only costs the parse, and anything but an object is parsed to get its error.
pub(crate) fn may_hold_keys(params: &[u8], keys: &[&str]) -> bool {
    params.first() != Some(&b'{')
        || find(params, b"\\u").is_some()
        || keys.iter().any(|k| find(params, k.as_bytes()).is_some())
}

#[cfg(test)]
mod tests {
    use super::may_hold_keys;

    #[test]
    fn only_certain_absence_skips() {
        let keys = ["_meta"];
        assert!(!may_hold_keys(
            br#"{"name":"add","arguments":{"a":1}}"#,
            &keys
        ));
        assert!(may_hold_keys(br#"{"_meta":{}}"#, &keys));
        assert!(may_hold_keys(br#"{"\u005fmeta":{}}"#, &keys));
        assert!(may_hold_keys(br#"{"text":"says _meta"}"#, &keys));
        assert!(may_hold_keys(b"[1]", &keys));
        assert!(may_hold_keys(b"", &keys));
    }
}
