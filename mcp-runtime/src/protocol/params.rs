//! Where the top-level members of a request's `params` sit in its raw text, found in one
//! pass. The HTTP transport (era routing, header checks) and the dispatcher (`_meta`, a
//! call's `name` and `arguments`) each need a member or two: they read them from here
//! instead of each parsing the whole of `params` again, which for a large argument meant
//! one more scan of it per reader.

use std::borrow::Cow;

use serde_json::value::RawValue;

use super::meta::Key;

/// Offsets of the members the runtime reads. Empty when `params` is absent or not an
/// object: readers then parse `params` themselves to report the error they always did.
#[derive(Debug, Clone)]
pub(crate) struct ParamsIndex {
    name: At,
    uri: At,
    meta: At,
    arguments: At,
    task: At,
    /// `params` was an object and every member was read (an empty index may also mean
    /// "not indexed": see [`ParamsIndex::call`]).
    indexed: bool,
    /// `inputResponses` or `requestState` is a member: the request may be an input
    /// round's retry.
    retry: bool,
    /// `name`, `arguments` or `task` appears more than once: a call's params then do
    /// not parse (serde's "duplicate field"), and only the full parse words that.
    call_duplicate: bool,
}

impl Default for ParamsIndex {
    fn default() -> Self {
        ParamsIndex {
            name: At::ABSENT,
            uri: At::ABSENT,
            meta: At::ABSENT,
            arguments: At::ABSENT,
            task: At::ABSENT,
            indexed: false,
            retry: false,
            call_duplicate: false,
        }
    }
}

/// A member's offsets in `params`, or [`At::ABSENT`]. `u32`, not `usize` or an
/// `Option<Range<usize>>`: the index is part of every request (and so of every request's
/// future, whose size decides how much is copied when it moves). `params` of 4 GiB or
/// more (far past any transport's message limit) index as empty.
#[derive(Debug, Clone, Copy)]
struct At {
    start: u32,
    end: u32,
}

impl At {
    const ABSENT: At = At {
        start: u32::MAX,
        end: 0,
    };

    fn new(start: usize, end: usize) -> Option<At> {
        Some(At {
            start: u32::try_from(start).ok().filter(|s| *s != u32::MAX)?,
            end: u32::try_from(end).ok()?,
        })
    }

    fn is_present(&self) -> bool {
        self.start != u32::MAX
    }
}

/// Where the keys of `_meta` the runtime interprets sit in it, recorded by the walk that
/// indexes `params` (`_meta` is walked member by member instead of skipped; see
/// [`ParamsIndex::build_with_meta`]). Only a plain `_meta` has them: anything else (a key
/// spelled with escapes, a known key given twice, a key the runtime keeps in `rest`, deep
/// nesting, 64 KiB or more) is left to the full parse of `_meta`. Not part of the index:
/// only `_meta`'s one reader wants them, and every byte of the index is copied with each
/// request as it moves.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MetaKeys {
    pub(crate) progress_token: InMeta,
    pub(crate) protocol_version: InMeta,
    pub(crate) client_capabilities: InMeta,
    pub(crate) client_info: InMeta,
    pub(crate) log_level: InMeta,
}

/// A value's offsets from the start of `_meta` (`u16`: a `_meta` of 64 KiB or more is
/// not plain); `end == 0` when absent.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct InMeta {
    start: u16,
    end: u16,
}

impl InMeta {
    /// The value's text in `meta` (`None` when absent).
    pub(crate) fn get<'a>(&self, meta: &'a str) -> Option<&'a str> {
        if self.end == 0 {
            return None;
        }
        meta.get(self.start as usize..self.end as usize)
    }
}

impl MetaKeys {
    /// Records `key`'s value at `start..end` of `_meta`; false when `key` makes `_meta`
    /// not plain.
    fn record(&mut self, key: &str, start: usize, end: usize) -> bool {
        use super::meta;
        let slot = match key {
            "progressToken" => &mut self.progress_token,
            meta::PROTOCOL_VERSION => &mut self.protocol_version,
            meta::CLIENT_CAPABILITIES => &mut self.client_capabilities,
            meta::CLIENT_INFO => &mut self.client_info,
            meta::LOG_LEVEL => &mut self.log_level,
            _ => return false,
        };
        let (Ok(start), Ok(end)) = (u16::try_from(start), u16::try_from(end)) else {
            return false;
        };
        if slot.end != 0 {
            return false;
        }
        *slot = InMeta { start, end };
        true
    }
}

/// The keys of `meta` (a `_meta` value, valid JSON) when it is plain (see [`MetaKeys`]),
/// for a request indexed before anyone asked for them.
pub(crate) fn meta_keys(meta: &str) -> Option<MetaKeys> {
    if !meta.starts_with('{') {
        return None;
    }
    let (_, keys, plain) = walk::meta_object(meta, 0)?;
    plain.then_some(keys)
}

/// The members of a `tools/call` request's params, read from the index.
pub(crate) struct CallMembers<'a> {
    /// `name`, when it is a string without escapes (the common case).
    pub(crate) name: &'a str,
    /// `arguments` as sent (`None` when absent or `null`).
    pub(crate) arguments: Option<&'a str>,
    /// `task` as sent (`None` when absent or `null`).
    pub(crate) task: Option<&'a str>,
}

impl ParamsIndex {
    /// Indexes `params`; anything that is not an object indexes as empty, and so does an
    /// object with a key the full parse refuses (a lone surrogate escape): readers then
    /// parse `params` themselves, as they always did.
    ///
    /// `params` is a [`RawValue`], valid JSON already: this walks its top level without
    /// checking it again (no serde pass), skipping nested values by their brackets and
    /// strings by their quotes.
    pub(crate) fn build(params: &RawValue) -> ParamsIndex {
        Self::build_with_meta(params).0
    }

    /// [`build`](Self::build), and the keys of `_meta` when it is plain.
    pub(crate) fn build_with_meta(params: &RawValue) -> (ParamsIndex, Option<MetaKeys>) {
        walk::index(params.get()).unwrap_or_default()
    }

    /// Raw `name`.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn name<'a>(&self, params: &'a RawValue) -> Option<&'a str> {
        slice(params, &self.name)
    }

    /// Raw `uri`.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn uri<'a>(&self, params: &'a RawValue) -> Option<&'a str> {
        slice(params, &self.uri)
    }

    /// Raw `_meta`.
    pub(crate) fn meta<'a>(&self, params: &'a RawValue) -> Option<&'a str> {
        slice(params, &self.meta)
    }

    /// `params` may carry an input round's `inputResponses` or `requestState` (false
    /// only for an indexed object without them: the retry's parse is then skipped).
    pub(crate) fn may_retry(&self) -> bool {
        !self.indexed || self.retry
    }

    /// The members a `tools/call` reads, when its params certainly parse into them: an
    /// indexed object with `name` a plain string (no escapes) and no member of the call
    /// given twice. `None` otherwise: the caller parses `params` in full, which words
    /// every error as it always did.
    pub(crate) fn call<'a>(&self, params: &'a RawValue) -> Option<CallMembers<'a>> {
        if !self.indexed || self.call_duplicate {
            return None;
        }
        let name = slice(params, &self.name)?;
        let name = name.strip_prefix('"')?.strip_suffix('"')?;
        if name.contains('\\') {
            return None;
        }
        // `Option<&RawValue>` reads `null` as absent.
        let present = |at: &At| slice(params, at).filter(|v| *v != "null");
        Some(CallMembers {
            name,
            arguments: present(&self.arguments),
            task: present(&self.task),
        })
    }

    /// Records `value` (at `at`) under `key`: the last `_meta`, `uri` and `name` count,
    /// as with a full parse into a map.
    fn record(&mut self, key: &str, at: At) {
        let slot = match key {
            "name" => {
                self.call_duplicate |= self.name.is_present();
                &mut self.name
            }
            "arguments" => {
                self.call_duplicate |= self.arguments.is_present();
                &mut self.arguments
            }
            "task" => {
                self.call_duplicate |= self.task.is_present();
                &mut self.task
            }
            "uri" => &mut self.uri,
            "_meta" => &mut self.meta,
            "inputResponses" | "requestState" => {
                self.retry = true;
                return;
            }
            _ => return,
        };
        *slot = at;
    }
}

/// `text` as a borrowed [`RawValue`] without serde_json reading it again, for a member
/// the index found in a `RawValue` (valid JSON, so each member is exactly one JSON value).
/// Built the way serde_json builds a `&RawValue` from a non-JSON deserializer: a map
/// whose one key is serde_json's raw-value token and whose value is the text. Safe code
/// throughout; should a serde_json release change the token, this returns `None` and the
/// caller reads the member with serde_json (`raw_members_need_no_second_pass` notices).
#[inline]
pub(crate) fn raw_member(text: &str) -> Option<&RawValue> {
    use serde::de::value::{BorrowedStrDeserializer, Error, MapDeserializer};
    const TOKEN: &str = "$serde_json::private::RawValue";
    let entry = std::iter::once((TOKEN, BorrowedStrDeserializer::<Error>::new(text)));
    serde::Deserialize::deserialize(MapDeserializer::<_, Error>::new(entry)).ok()
}

fn slice<'a>(params: &'a RawValue, at: &At) -> Option<&'a str> {
    if !at.is_present() {
        return None;
    }
    params.get().get(at.start as usize..at.end as usize)
}

/// The top-level walk over valid JSON text.
mod walk {
    use super::{At, Cow, Key, MetaKeys, ParamsIndex};

    /// Deeper than this, `_meta` is left to the full parse: serde_json's recursion limit
    /// counts from the text it parses, and a key's value parsed alone sits one level
    /// higher than inside `_meta`.
    const PLAIN_DEPTH: usize = 64;

    const fn is_ws(b: u8) -> bool {
        matches!(b, b' ' | b'\n' | b'\t' | b'\r')
    }

    fn skip_ws(b: &[u8], mut i: usize) -> usize {
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        i
    }

    /// `b[i]` is an opening quote: the index after the closing one, and whether the
    /// string holds escapes.
    fn string_end(b: &[u8], mut i: usize) -> Option<(usize, bool)> {
        let mut escaped = false;
        i += 1;
        loop {
            let rest = b.get(i..)?;
            // Most strings here are keys and names: a plain loop over their first bytes
            // costs less than `memchr`'s setup, which only pays on long ones.
            let head = rest.len().min(16);
            let at = match rest[..head].iter().position(|&c| c == b'"' || c == b'\\') {
                Some(at) => at,
                None => head + memchr::memchr2(b'"', b'\\', &rest[head..])?,
            };
            i += at;
            if b[i] == b'"' {
                return Some((i + 1, escaped));
            }
            escaped = true;
            i += 2;
        }
    }

    /// The index after the value starting at `b[i]`.
    fn value_end(b: &[u8], i: usize) -> Option<usize> {
        skip_value::<false>(b, i).map(|(end, _)| end)
    }

    /// The index after the value starting at `b[i]` and, with `DEPTH`, how deep it
    /// nests (0 for a scalar; without `DEPTH`, 0 always).
    fn skip_value<const DEPTH: bool>(b: &[u8], i: usize) -> Option<(usize, usize)> {
        match *b.get(i)? {
            b'"' => string_end(b, i).map(|(end, _)| (end, 0)),
            b'{' | b'[' => {
                let (mut depth, mut deepest) = (0usize, 0usize);
                let mut j = i;
                loop {
                    match *b.get(j)? {
                        b'"' => {
                            j = string_end(b, j)?.0;
                            continue;
                        }
                        b'{' | b'[' => {
                            depth += 1;
                            if DEPTH {
                                deepest = deepest.max(depth);
                            }
                        }
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Some((j + 1, deepest));
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
            }
            _ => {
                // A number or a literal: up to the next delimiter.
                let rest = &b[i..];
                let len = rest
                    .iter()
                    .position(|&c| matches!(c, b',' | b'}' | b']') || is_ws(c))
                    .unwrap_or(rest.len());
                Some((i + len, 0))
            }
        }
    }

    /// The index after the key starting at `b[i]` (`"`) when it is one the runtime
    /// interprets, spelled plainly: compared whole instead of scanned byte by byte (they
    /// are long). A key spelled so ends at its first `"`, so it holds no escapes.
    fn known_key_end(b: &[u8], i: usize) -> Option<usize> {
        const NAMESPACE: &[u8] = b"io.modelcontextprotocol/";
        const NAMES: [&[u8]; 4] = [
            b"protocolVersion\"",
            b"clientCapabilities\"",
            b"clientInfo\"",
            b"logLevel\"",
        ];
        let rest = b.get(i + 1..)?;
        let name = rest.strip_prefix(NAMESPACE)?;
        let len = NAMES.iter().find(|n| name.starts_with(n))?.len();
        Some(i + 1 + NAMESPACE.len() + len)
    }

    /// Walks the `_meta` object starting at `text[base]` (`{`), recording its interpreted
    /// keys (offsets from `base`): the index after it, the keys, and whether it is plain
    /// (every member one of them, spelled plainly, given once, not nested deeply).
    pub(super) fn meta_object(text: &str, base: usize) -> Option<(usize, MetaKeys, bool)> {
        let b = text.as_bytes();
        let (mut keys, mut plain) = (MetaKeys::default(), true);
        let mut i = base + 1;
        loop {
            i = skip_ws(b, i);
            match *b.get(i)? {
                b'}' => return Some((i + 1, keys, plain)),
                b',' => i = skip_ws(b, i + 1),
                _ => {}
            }
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let (key_end, escaped) = match known_key_end(b, i) {
                Some(end) => (end, false),
                None => string_end(b, i)?,
            };
            let key = &text[i + 1..key_end - 1];
            i = skip_ws(b, key_end);
            if b.get(i) != Some(&b':') {
                return None;
            }
            let start = skip_ws(b, i + 1);
            let (end, depth) = skip_value::<true>(b, start)?;
            if escaped || depth > PLAIN_DEPTH || !keys.record(key, start - base, end - base) {
                plain = false;
            }
            i = end;
        }
    }

    /// Indexes the object `text` (valid JSON); `None` for anything else, and for an
    /// object with a key that does not decode.
    pub(super) fn index(text: &str) -> Option<(ParamsIndex, Option<MetaKeys>)> {
        let b = text.as_bytes();
        let mut i = skip_ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i += 1;
        let mut index = ParamsIndex::default();
        let mut meta_keys = None;
        loop {
            i = skip_ws(b, i);
            match *b.get(i)? {
                b'}' => break,
                b',' => {
                    i = skip_ws(b, i + 1);
                }
                _ => {}
            }
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let (key_end, escaped) = string_end(b, i)?;
            let key = if escaped {
                // Decoded as a full parse decodes it; a lone surrogate fails there too.
                serde_json::from_str::<Key<'_>>(&text[i..key_end]).ok()?.0
            } else {
                Cow::Borrowed(&text[i + 1..key_end - 1])
            };
            i = skip_ws(b, key_end);
            if b.get(i) != Some(&b':') {
                return None;
            }
            let start = skip_ws(b, i + 1);
            let end = if &*key == "_meta" {
                // The last `_meta` counts: its keys replace any earlier ones.
                if b.get(start) == Some(&b'{') {
                    let (end, keys, plain) = meta_object(text, start)?;
                    meta_keys = plain.then_some(keys);
                    end
                } else {
                    meta_keys = None;
                    value_end(b, start)?
                }
            } else {
                value_end(b, start)?
            };
            index.record(&key, At::new(start, end)?);
            i = end;
        }
        index.indexed = true;
        Some((index, meta_keys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    #[test]
    fn finds_each_member_once() {
        let p = params(
            r#"{"name":"add","arguments":{"a":1,"b":[2,{"name":"x"}]},"_meta":{"progressToken":3},"other":"\"uri\""}"#,
        );
        let index = ParamsIndex::build(&p);
        assert_eq!(index.name(&p), Some(r#""add""#));
        assert_eq!(index.meta(&p), Some(r#"{"progressToken":3}"#));
        assert_eq!(index.uri(&p), None);
    }

    #[test]
    fn the_last_of_a_member_given_twice_counts() {
        let p = params(
            r#"{"_meta":{"progressToken":1},"name":"add","arguments":{"_meta":2},"_meta":{"progressToken":3,"x":[1]}}"#,
        );
        let index = ParamsIndex::build(&p);
        assert_eq!(index.meta(&p), Some(r#"{"progressToken":3,"x":[1]}"#));
        assert_eq!(index.name(&p), Some(r#""add""#));
        // A call's own members given twice are left to the full parse, which refuses them.
        let p = params(r#"{"name":"add","name":"add"}"#);
        assert!(ParamsIndex::build(&p).call(&p).is_none());
    }

    #[test]
    fn raw_members_need_no_second_pass() {
        let p = params(r#"{"name":"add","arguments":{"a":[1,"]"],"b":{}},"task":null}"#);
        let index = ParamsIndex::build(&p);
        let call = index.call(&p).unwrap();
        assert_eq!(call.name, "add");
        assert_eq!(call.task, None);
        let arguments = call.arguments.unwrap();
        assert_eq!(arguments, r#"{"a":[1,"]"],"b":{}}"#);
        // The token serde_json uses for raw values still is what `raw_member` sends.
        let raw = raw_member(arguments).expect("a borrowed RawValue");
        assert_eq!(raw.get(), arguments);
        assert!(std::ptr::eq(raw.get(), arguments), "borrowed, not copied");
    }

    #[test]
    fn escaped_keys() {
        let p = params(r#"{"\u006eame":"n","uri":"file:///a"}"#);
        let index = ParamsIndex::build(&p);
        assert_eq!(index.name(&p), Some(r#""n""#));
        assert_eq!(index.uri(&p), Some(r#""file:///a""#));
    }

    #[test]
    fn non_objects_index_empty() {
        for text in ["[1,2]", "{\"name\":1,", "3"] {
            let Ok(p) = RawValue::from_string(text.to_owned()) else {
                continue;
            };
            let index = ParamsIndex::build(&p);
            assert!(index.name(&p).is_none() && index.meta(&p).is_none());
        }
    }
}
