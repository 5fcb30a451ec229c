//! Streaming argument deserialization helpers for generated visitors.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde_json::value::RawValue;

/// An object key, borrowed from the request when it has no escapes.
pub struct ArgKey<'de>(pub Cow<'de, str>);

impl ArgKey<'_> {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> de::Deserialize<'de> for ArgKey<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ArgKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an argument name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<ArgKey<'de>, E> {
                Ok(ArgKey(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ArgKey<'de>, E> {
                Ok(ArgKey(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<ArgKey<'de>, E> {
                Ok(ArgKey(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Error raised inside generated visitors, naming the argument.
#[derive(Debug)]
pub struct ArgsError(pub String);

impl ArgsError {
    /// Wraps a value error with the argument's name.
    pub fn at<E: de::Error>(name: &str, e: impl fmt::Display) -> E {
        E::custom(format_args!("argument `{name}`: {e}"))
    }

    /// A duplicate key.
    pub fn duplicate<E: de::Error>(name: &str) -> E {
        E::custom(format_args!("argument `{name}` given twice"))
    }
}

pub(crate) fn deserialize_map<V, T>(raw: Option<&RawValue>, visitor: V) -> Result<T, String>
where
    V: for<'de> Visitor<'de, Value = T>,
{
    let text = raw.map(RawValue::get).unwrap_or("{}");
    let text = if text == "null" { "{}" } else { text };
    if !text.starts_with('{') {
        return Err("arguments must be a JSON object".into());
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(visitor).map_err(|e| describe(&e))
}

/// serde_json's message without the "at line 1 column N" suffix, which means nothing
/// to a model.
pub(crate) fn describe(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}
