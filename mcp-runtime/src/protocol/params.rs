//! Where the top-level members of a request's `params` sit in its raw text, found in one
//! pass. The HTTP transport (era routing, header checks) and the dispatcher (`_meta`)
//! each need a member or two: they read them from here instead of each parsing the whole
//! of `params` again, which for a large argument meant one more scan of it per reader.

use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserializer;
use serde_json::value::RawValue;

use super::meta::RequestMeta;

/// Offsets of the members the runtime reads. Empty when `params` is absent or not an
/// object: readers then parse `params` themselves to report the error they always did.
#[derive(Debug, Clone)]
pub(crate) struct ParamsIndex {
    name: At,
    uri: At,
    meta: At,
}

impl Default for ParamsIndex {
    fn default() -> Self {
        ParamsIndex {
            name: At::ABSENT,
            uri: At::ABSENT,
            meta: At::ABSENT,
        }
    }
}

/// A member's offsets in `params`, or [`At::ABSENT`]. Not an `Option<Range<usize>>`: that
/// takes 24 bytes, this 16, and the index is part of every request (and so of every
/// request's future, whose size decides how much is copied when it moves).
#[derive(Debug, Clone, Copy)]
struct At {
    start: usize,
    end: usize,
}

impl At {
    const ABSENT: At = At {
        start: usize::MAX,
        end: 0,
    };
    /// Present, but parsed in place by [`ParamsIndex::build_with_meta`] (no offsets).
    const PARSED: At = At {
        start: usize::MAX,
        end: 1,
    };
}

impl ParamsIndex {
    /// Indexes `params`; anything that does not parse as an object indexes as empty.
    pub(crate) fn build(params: &RawValue) -> ParamsIndex {
        Self::index(params, false)
            .map(|(index, _)| index)
            .unwrap_or_default()
    }

    /// Indexes `params` and parses `_meta` in the same pass (`None` inside when it is
    /// absent or `null`). `None` when anything does not parse, `_meta` included: the
    /// caller then builds the plain index and parses `_meta` from its offsets, which
    /// words the error as always.
    pub(crate) fn build_with_meta(params: &RawValue) -> Option<(ParamsIndex, Option<RequestMeta>)> {
        Self::index(params, true).ok()
    }

    fn index(
        params: &RawValue,
        parse_meta: bool,
    ) -> serde_json::Result<(ParamsIndex, Option<RequestMeta>)> {
        let text = params.get();
        let mut de = serde_json::Deserializer::from_str(text);
        (&mut de).deserialize_map(IndexVisitor {
            base: text.as_ptr() as usize,
            parse_meta,
        })
    }

    /// True when `_meta` was parsed while indexing: it has no offsets to read.
    pub(crate) fn meta_parsed_in_place(&self) -> bool {
        self.meta.start == usize::MAX && self.meta.end == At::PARSED.end
    }

    /// Raw `name`.
    pub(crate) fn name<'a>(&self, params: &'a RawValue) -> Option<&'a str> {
        slice(params, &self.name)
    }

    /// Raw `uri`.
    pub(crate) fn uri<'a>(&self, params: &'a RawValue) -> Option<&'a str> {
        slice(params, &self.uri)
    }

    /// Raw `_meta`.
    pub(crate) fn meta<'a>(&self, params: &'a RawValue) -> Option<&'a str> {
        slice(params, &self.meta)
    }
}

fn slice<'a>(params: &'a RawValue, at: &At) -> Option<&'a str> {
    (at.start != usize::MAX).then(|| &params.get()[at.start..at.end])
}

struct IndexVisitor {
    base: usize,
    /// Parse `_meta` as [`RequestMeta`] instead of recording its offsets.
    parse_meta: bool,
}

impl<'de> Visitor<'de> for IndexVisitor {
    type Value = (ParamsIndex, Option<RequestMeta>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a params object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut index = ParamsIndex::default();
        let mut meta = None;
        // `Key` borrows the key; a `Cow<str>` would allocate for every member.
        while let Some(super::meta::Key(key)) = map.next_key()? {
            let slot = match &*key {
                "name" => &mut index.name,
                "uri" => &mut index.uri,
                "_meta" if self.parse_meta => {
                    // The last `_meta` counts, as with offsets.
                    meta = map.next_value::<Option<RequestMeta>>()?;
                    index.meta = At::PARSED;
                    continue;
                }
                "_meta" => &mut index.meta,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = map.next_value_seed(Span { base: self.base })?;
        }
        Ok((index, meta))
    }
}

/// Reads one member as a borrowed `RawValue` and keeps only its offsets.
struct Span {
    base: usize,
}

impl<'de> DeserializeSeed<'de> for Span {
    type Value = At;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<At, D::Error> {
        let value: &'de RawValue = serde::Deserialize::deserialize(d)?;
        let start = value.get().as_ptr() as usize - self.base;
        Ok(At {
            start,
            end: start + value.get().len(),
        })
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
    fn meta_parsed_in_the_indexing_pass_matches_the_offsets_way() {
        let p = params(
            r#"{"_meta":{"progressToken":1},"name":"add","arguments":{"_meta":2},"_meta":{"progressToken":3,"x":[1]}}"#,
        );
        let (index, meta) = ParamsIndex::build_with_meta(&p).unwrap();
        let plain = ParamsIndex::build(&p);
        let from_offsets: Option<RequestMeta> =
            serde_json::from_str(plain.meta(&p).unwrap()).unwrap();
        assert_eq!(
            format!("{meta:?}"),
            format!("{from_offsets:?}"),
            "the last `_meta` counts"
        );
        assert_eq!(index.name(&p), Some(r#""add""#));
        assert!(index.meta_parsed_in_place() && index.meta(&p).is_none());
        // Absent and `null` both read as no `_meta`.
        for text in [r#"{"name":"a"}"#, r#"{"_meta":null}"#] {
            let (index, meta) = ParamsIndex::build_with_meta(&params(text)).unwrap();
            assert!(meta.is_none());
            assert_eq!(index.meta_parsed_in_place(), text.contains("_meta"));
        }
        // A `_meta` that does not parse fails the whole pass (the caller falls back).
        let bad = params(r#"{"name":"a","_meta":{"io.modelcontextprotocol/clientInfo":5}}"#);
        assert!(ParamsIndex::build_with_meta(&bad).is_none());
        assert!(ParamsIndex::build(&bad).meta(&bad).is_some());
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
