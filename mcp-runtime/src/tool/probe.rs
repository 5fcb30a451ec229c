//! Autoref-specialization probes used by `#[tool]`'s generated code.
//!
//! The macro only sees tokens, so it cannot know whether a parameter type is an
//! extractor or an argument, or whether a return type is text or a struct. It emits
//! `(&&&&Probe::<T>::new()).method(..)` and method resolution picks the first level
//! whose bounds hold: each level is an impl on one more `&` than the next. The calls
//! are spanned at the user's type, so a type that fits no level fails with the
//! `on_unimplemented` message of [`ToolParam`] or [`ToolReturn`] right there.
#![allow(missing_docs)]
// The levels must share exact signatures, so they are spelled out rather than sugared.
#![allow(clippy::manual_async_fn, clippy::needless_lifetimes)]

use std::fmt::Display;
use std::future::Future;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{DeserializeOwned, MapAccess};
use serde::Serialize;
use serde_json::Value;

use super::result::{error_outcome, output_schema, structured};
use super::{IntoToolResult, ToolCall, ToolOutcome};
use crate::extract::{FromContext, Requirements};

/// Zero-sized carrier of a type for method-resolution probing.
pub struct Probe<T: ?Sized>(PhantomData<fn() -> Box<T>>);

impl<T: ?Sized> Probe<T> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Probe(PhantomData)
    }
}

/// Schema of one argument.
pub struct ParamSchema {
    pub schema: Schema,
    pub required: bool,
}

/// Marker for types that may appear as tool parameters; never implemented, it only
/// carries the diagnostic shown when a parameter fits no probe level.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a tool parameter",
    label = "neither an argument nor an extractor",
    note = "arguments must implement `serde::Deserialize` and `schemars::JsonSchema` (derive both, with the schemars 1.x that mcpserve re-exports as `mcpserve::schemars`)",
    note = "extractors (Context, State<T>, ...) implement `mcpserve::FromContext`"
)]
pub trait ToolParam {}

/// Marker for types that may be returned from tools; never implemented (see [`ToolParam`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a tool",
    label = "not convertible into a tool result",
    note = "return a String, a number, Content, Vec<Content>, CallToolResult, Json<T>, any `Serialize + JsonSchema` type, or a Result of one of these with an error that implements Display"
)]
pub trait ToolReturn {}

// ---- parameters: extractor > optional argument > required argument > error ----

pub trait ParamExtractor<T> {
    fn __mcp_param_requires(&self, _needs: &mut Requirements) {}
    fn __mcp_param_schema(&self, _g: &mut SchemaGenerator) -> Option<ParamSchema> {
        None
    }
    fn __mcp_param_de<'de, A: MapAccess<'de>>(&self, map: &mut A) -> Result<Option<T>, A::Error> {
        map.next_value::<serde::de::IgnoredAny>()?;
        Ok(None)
    }
    fn __mcp_param_finish<'a>(
        &self,
        slot: Option<T>,
        call: &'a ToolCall,
        name: &'static str,
    ) -> impl Future<Output = Result<T, ToolOutcome>> + Send + 'a;
}

impl<T: FromContext + 'static> ParamExtractor<T> for &&&Probe<T> {
    fn __mcp_param_requires(&self, needs: &mut Requirements) {
        T::requirements(needs);
    }
    fn __mcp_param_finish<'a>(
        &self,
        _slot: Option<T>,
        call: &'a ToolCall,
        _name: &'static str,
    ) -> impl Future<Output = Result<T, ToolOutcome>> + Send + 'a {
        async move { T::from_context(&call.ctx).await.map_err(Err) }
    }
}

pub trait ParamOptional<T> {
    fn __mcp_param_requires(&self, _needs: &mut Requirements) {}
    fn __mcp_param_schema(&self, g: &mut SchemaGenerator) -> Option<ParamSchema>;
    fn __mcp_param_de<'de, A: MapAccess<'de>>(&self, map: &mut A) -> Result<Option<T>, A::Error>;
    fn __mcp_param_finish<'a>(
        &self,
        slot: Option<T>,
        call: &'a ToolCall,
        name: &'static str,
    ) -> impl Future<Output = Result<T, ToolOutcome>> + Send + 'a;
}

impl<U: DeserializeOwned + JsonSchema + Send + 'static> ParamOptional<Option<U>>
    for &&Probe<Option<U>>
{
    fn __mcp_param_schema(&self, g: &mut SchemaGenerator) -> Option<ParamSchema> {
        // Optional means "may be left out", not "may be null": `U`'s schema, not in
        // `required` (an explicit null still deserializes to `None`).
        Some(ParamSchema {
            schema: g.subschema_for::<U>(),
            required: false,
        })
    }
    fn __mcp_param_de<'de, A: MapAccess<'de>>(
        &self,
        map: &mut A,
    ) -> Result<Option<Option<U>>, A::Error> {
        map.next_value::<Option<U>>().map(Some)
    }
    fn __mcp_param_finish<'a>(
        &self,
        slot: Option<Option<U>>,
        _call: &'a ToolCall,
        _name: &'static str,
    ) -> impl Future<Output = Result<Option<U>, ToolOutcome>> + Send + 'a {
        std::future::ready(Ok(slot.flatten()))
    }
}

pub trait ParamRequired<T> {
    fn __mcp_param_requires(&self, _needs: &mut Requirements) {}
    fn __mcp_param_schema(&self, g: &mut SchemaGenerator) -> Option<ParamSchema>;
    fn __mcp_param_de<'de, A: MapAccess<'de>>(&self, map: &mut A) -> Result<Option<T>, A::Error>;
    fn __mcp_param_finish<'a>(
        &self,
        slot: Option<T>,
        call: &'a ToolCall,
        name: &'static str,
    ) -> impl Future<Output = Result<T, ToolOutcome>> + Send + 'a;
}

impl<T: DeserializeOwned + JsonSchema + Send + 'static> ParamRequired<T> for &Probe<T> {
    fn __mcp_param_schema(&self, g: &mut SchemaGenerator) -> Option<ParamSchema> {
        Some(ParamSchema {
            schema: g.subschema_for::<T>(),
            required: true,
        })
    }
    fn __mcp_param_de<'de, A: MapAccess<'de>>(&self, map: &mut A) -> Result<Option<T>, A::Error> {
        map.next_value::<T>().map(Some)
    }
    fn __mcp_param_finish<'a>(
        &self,
        slot: Option<T>,
        call: &'a ToolCall,
        name: &'static str,
    ) -> impl Future<Output = Result<T, ToolOutcome>> + Send + 'a {
        std::future::ready(slot.ok_or_else(|| Ok(call.__missing(name))))
    }
}

pub trait ParamInvalid<T> {
    fn __mcp_param_requires(&self, _needs: &mut Requirements) {}
    fn __mcp_param_schema(&self, _g: &mut SchemaGenerator) -> Option<ParamSchema>
    where
        T: ToolParam,
    {
        unreachable!()
    }
    // Only the schema probe carries the bound: it is emitted once per argument, at the
    // argument's type, so a bad type gets exactly one error there.
    fn __mcp_param_de<'de, A: MapAccess<'de>>(&self, _map: &mut A) -> Result<Option<T>, A::Error> {
        unreachable!()
    }
    fn __mcp_param_finish<'a>(
        &self,
        _slot: Option<T>,
        _call: &'a ToolCall,
        _name: &'static str,
    ) -> std::future::Pending<Result<T, ToolOutcome>> {
        unreachable!()
    }
}

impl<T> ParamInvalid<T> for Probe<T> {}

// ---- return values: IntoToolResult > Result<struct, E> > struct > error ----

pub trait ReturnIntoResult<R> {
    fn __mcp_output_schema(&self, g: &mut SchemaGenerator) -> Option<Value>;
    fn __mcp_into_outcome(&self, value: R) -> ToolOutcome;
}

impl<R: IntoToolResult> ReturnIntoResult<R> for &&&Probe<R> {
    fn __mcp_output_schema(&self, g: &mut SchemaGenerator) -> Option<Value> {
        R::output_schema(g)
    }
    fn __mcp_into_outcome(&self, value: R) -> ToolOutcome {
        value.into_tool_result()
    }
}

pub trait ReturnStructuredResult<R> {
    fn __mcp_output_schema(&self, g: &mut SchemaGenerator) -> Option<Value>;
    fn __mcp_into_outcome(&self, value: R) -> ToolOutcome;
}

impl<T: Serialize + JsonSchema, E: Display + 'static> ReturnStructuredResult<Result<T, E>>
    for &&Probe<Result<T, E>>
{
    fn __mcp_output_schema(&self, g: &mut SchemaGenerator) -> Option<Value> {
        Some(output_schema::<T>(g))
    }
    fn __mcp_into_outcome(&self, value: Result<T, E>) -> ToolOutcome {
        match value {
            Ok(v) => structured(&v),
            Err(e) => error_outcome(e),
        }
    }
}

pub trait ReturnStructured<R> {
    fn __mcp_output_schema(&self, g: &mut SchemaGenerator) -> Option<Value>;
    fn __mcp_into_outcome(&self, value: R) -> ToolOutcome;
}

impl<R: Serialize + JsonSchema> ReturnStructured<R> for &Probe<R> {
    fn __mcp_output_schema(&self, g: &mut SchemaGenerator) -> Option<Value> {
        Some(output_schema::<R>(g))
    }
    fn __mcp_into_outcome(&self, value: R) -> ToolOutcome {
        structured(&value)
    }
}

pub trait ReturnInvalid<R> {
    fn __mcp_output_schema(&self, _g: &mut SchemaGenerator) -> Option<Value>
    where
        R: ToolReturn,
    {
        unreachable!()
    }
    // Unbounded: the output-schema probe already reports the type once.
    fn __mcp_into_outcome(&self, _value: R) -> ToolOutcome {
        unreachable!()
    }
}

impl<R> ReturnInvalid<R> for Probe<R> {}
