//! Parameters filled from wire strings: resource-template variables and prompt
//! arguments. Like the tool probes (see [`crate::tool::probe`]), the generated code
//! writes `(&&&&&&Probe::<T>::new()).__mcp_wire(..)` and trait resolution picks the
//! first level that fits: extractor > `Option<FromStr>` > `Option<Deserialize>` >
//! `FromStr` > `Deserialize` (from a JSON string, so `#[derive(Deserialize)]` enums work) >
//! a compile error spanned at the parameter.
#![allow(missing_docs)]
#![allow(clippy::manual_async_fn, clippy::needless_lifetimes)]

use std::fmt::Display;
use std::future::Future;
use std::str::FromStr;

use schemars::{JsonSchema, SchemaGenerator};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Error;
use crate::extract::{Context, FromContext, Requirements};
pub use crate::tool::probe::Probe;

/// What a parameter is on the wire: `None` for extractors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireInfo {
    /// The value must be present.
    pub required: bool,
}

/// Why a wire value could not become a parameter.
#[derive(Debug)]
pub enum WireError {
    /// A required value is absent.
    Missing,
    /// The value does not convert; the conversion's message.
    Invalid(String),
    /// An extractor failed.
    Extract(Error),
}

/// Marker for types that can be built from a wire string; never implemented, it only
/// carries the diagnostic shown when a parameter fits no probe level.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be built from a URI variable or prompt argument",
    label = "neither a wire value nor an extractor",
    note = "URI variables and prompt arguments are strings: use a type implementing `FromStr` (String, u64, SafePath, ...) or `serde::Deserialize` from a string (e.g. a unit-variant enum), or Option<..> of one",
    note = "extractors (Context, State<T>, ...) implement `mcpserve::FromContext`"
)]
pub trait WireParam {}

macro_rules! level {
    ($trait:ident) => {
        pub trait $trait<T> {
            fn __mcp_wire_requires(&self, _needs: &mut Requirements) {}
            fn __mcp_wire_info(&self) -> Option<WireInfo>;
            fn __mcp_wire<'a>(
                &self,
                raw: Option<&'a str>,
                ctx: &'a Context,
            ) -> impl Future<Output = Result<T, WireError>> + Send + 'a;
        }
    };
}

level!(WireExtractor);
level!(WireOptStr);
level!(WireOptDe);
level!(WireStr);
level!(WireDe);

impl<T: FromContext + 'static> WireExtractor<T> for &&&&&Probe<T> {
    fn __mcp_wire_requires(&self, needs: &mut Requirements) {
        T::requirements(needs);
    }
    fn __mcp_wire_info(&self) -> Option<WireInfo> {
        None
    }
    fn __mcp_wire<'a>(
        &self,
        _raw: Option<&'a str>,
        ctx: &'a Context,
    ) -> impl Future<Output = Result<T, WireError>> + Send + 'a {
        async move { T::from_context(ctx).await.map_err(WireError::Extract) }
    }
}

fn from_str<T: FromStr>(raw: &str) -> Result<T, WireError>
where
    T::Err: Display,
{
    raw.parse::<T>()
        .map_err(|e| WireError::Invalid(e.to_string()))
}

fn from_de<T: DeserializeOwned>(raw: &str) -> Result<T, WireError> {
    serde_json::from_value(Value::String(raw.to_owned()))
        .map_err(|e| WireError::Invalid(e.to_string()))
}

impl<U: FromStr + Send + 'static> WireOptStr<Option<U>> for &&&&Probe<Option<U>>
where
    U::Err: Display,
{
    fn __mcp_wire_info(&self) -> Option<WireInfo> {
        Some(WireInfo { required: false })
    }
    fn __mcp_wire<'a>(
        &self,
        raw: Option<&'a str>,
        _ctx: &'a Context,
    ) -> impl Future<Output = Result<Option<U>, WireError>> + Send + 'a {
        std::future::ready(raw.map(from_str).transpose())
    }
}

impl<U: DeserializeOwned + Send + 'static> WireOptDe<Option<U>> for &&&Probe<Option<U>> {
    fn __mcp_wire_info(&self) -> Option<WireInfo> {
        Some(WireInfo { required: false })
    }
    fn __mcp_wire<'a>(
        &self,
        raw: Option<&'a str>,
        _ctx: &'a Context,
    ) -> impl Future<Output = Result<Option<U>, WireError>> + Send + 'a {
        std::future::ready(raw.map(from_de).transpose())
    }
}

impl<T: FromStr + Send + 'static> WireStr<T> for &&Probe<T>
where
    T::Err: Display,
{
    fn __mcp_wire_info(&self) -> Option<WireInfo> {
        Some(WireInfo { required: true })
    }
    fn __mcp_wire<'a>(
        &self,
        raw: Option<&'a str>,
        _ctx: &'a Context,
    ) -> impl Future<Output = Result<T, WireError>> + Send + 'a {
        std::future::ready(raw.ok_or(WireError::Missing).and_then(from_str))
    }
}

impl<T: DeserializeOwned + Send + 'static> WireDe<T> for &Probe<T> {
    fn __mcp_wire_info(&self) -> Option<WireInfo> {
        Some(WireInfo { required: true })
    }
    fn __mcp_wire<'a>(
        &self,
        raw: Option<&'a str>,
        _ctx: &'a Context,
    ) -> impl Future<Output = Result<T, WireError>> + Send + 'a {
        std::future::ready(raw.ok_or(WireError::Missing).and_then(from_de))
    }
}

pub trait WireInvalid<T> {
    fn __mcp_wire_requires(&self, _needs: &mut Requirements) {}
    // No bound here: `__mcp_wire` already reports the type once, at the parameter.
    fn __mcp_wire_info(&self) -> Option<WireInfo> {
        unreachable!()
    }
    fn __mcp_wire<'a>(
        &self,
        _raw: Option<&'a str>,
        _ctx: &'a Context,
    ) -> std::future::Pending<Result<T, WireError>>
    where
        T: WireParam,
    {
        unreachable!()
    }
}

impl<T> WireInvalid<T> for Probe<T> {}

// ---- lists: `Deserialize` would accept them, but a wire value is one string ----

/// Never implemented: the diagnostic for a list-typed prompt argument or URI variable.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a list, but a prompt argument or URI variable is one string",
    label = "one string on the wire",
    note = "take a `String` (e.g. comma-separated values) and split it in the handler, or make this a #[tool], whose arguments are JSON"
)]
pub trait WireScalar {}

/// Probed with `(&&Probe::<T>::new()).__mcp_not_a_list()`: the list types below pick this
/// level, whose method needs the never-implemented [`WireScalar`].
pub trait ListCheck<T> {
    fn __mcp_not_a_list(&self)
    where
        T: WireScalar,
    {
    }
}

/// Every other type: nothing to check.
pub trait NotAList<T> {
    fn __mcp_not_a_list(&self) {}
}

impl<T> NotAList<T> for Probe<T> {}

macro_rules! lists {
    ($(<$($g:ident),*> $ty:ty),* $(,)?) => {$(
        impl<$($g),*> ListCheck<$ty> for &Probe<$ty> {}
        impl<$($g),*> ListCheck<Option<$ty>> for &Probe<Option<$ty>> {}
    )*};
}

lists!(
    <U> Vec<U>,
    <U> std::collections::VecDeque<U>,
    <U> std::collections::HashSet<U>,
    <U> std::collections::BTreeSet<U>,
    <K, V> std::collections::HashMap<K, V>,
    <K, V> std::collections::BTreeMap<K, V>,
    <U> Box<[U]>,
    <A, B> (A, B),
    <A, B, C> (A, B, C),
);

impl<U, const N: usize> ListCheck<[U; N]> for &Probe<[U; N]> {}
impl<U, const N: usize> ListCheck<Option<[U; N]>> for &Probe<Option<[U; N]>> {}

// ---- enum values for automatic completion, probed with `(&&&Probe::<T>::new())`:
// Option<JsonSchema> > JsonSchema > none ----

pub trait EnumOpt<T> {
    fn __mcp_enum_values(&self) -> Vec<String>;
}
impl<U: JsonSchema> EnumOpt<Option<U>> for &&Probe<Option<U>> {
    fn __mcp_enum_values(&self) -> Vec<String> {
        enum_values::<U>()
    }
}
pub trait EnumPlain<T> {
    fn __mcp_enum_values(&self) -> Vec<String>;
}
impl<T: JsonSchema> EnumPlain<T> for &Probe<T> {
    fn __mcp_enum_values(&self) -> Vec<String> {
        enum_values::<T>()
    }
}
pub trait EnumNone<T> {
    fn __mcp_enum_values(&self) -> Vec<String> {
        Vec::new()
    }
}
impl<T> EnumNone<T> for Probe<T> {}

/// The string values a schema allows (`enum`, or `oneOf` of `const`s), if it lists them.
fn enum_values<T: JsonSchema>() -> Vec<String> {
    let schema = SchemaGenerator::default().root_schema_for::<T>().to_value();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(e) = schema.get("enum") {
        return strings(e);
    }
    let mut out = Vec::new();
    for alt in schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(c) = alt.get("const").and_then(Value::as_str) {
            out.push(c.to_owned());
        } else if let Some(e) = alt.get("enum") {
            out.extend(strings(e));
        }
    }
    out
}
