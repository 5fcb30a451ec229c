//! Turning what a tool returns into a `CallToolResult`.

use std::any::Any;
use std::borrow::Cow;
use std::fmt::Display;

use schemars::{JsonSchema, SchemaGenerator};
use serde::Serialize;
use serde_json::Value;

use super::ToolOutcome;
use crate::error::{Error, ErrorKind};
use crate::protocol::{CallToolResult, Content};

/// A value a tool can return.
///
/// Implemented for text-like values, [`Content`], `Vec<Content>`, [`CallToolResult`],
/// [`Json<T>`] and `Result<T, E>` with `E: Display`. Plain structs implementing
/// `Serialize + JsonSchema` need no impl: `#[tool]` turns them into structured output.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a tool",
    note = "return a String, a number, Content, Vec<Content>, CallToolResult, Json<T>, any `Serialize + JsonSchema` struct, or a Result of one of these"
)]
pub trait IntoToolResult {
    /// Converts the value.
    fn into_tool_result(self) -> ToolOutcome;

    /// The `outputSchema` this type produces, if it is structured.
    fn output_schema(_gen: &mut SchemaGenerator) -> Option<Value> {
        None
    }
}

impl IntoToolResult for CallToolResult {
    fn into_tool_result(self) -> ToolOutcome {
        Ok(self)
    }
}

impl IntoToolResult for Content {
    fn into_tool_result(self) -> ToolOutcome {
        Ok(CallToolResult::success(vec![self]))
    }
}

impl IntoToolResult for Vec<Content> {
    fn into_tool_result(self) -> ToolOutcome {
        Ok(CallToolResult::success(self))
    }
}

impl IntoToolResult for () {
    fn into_tool_result(self) -> ToolOutcome {
        Ok(CallToolResult::success(Vec::new()))
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> ToolOutcome {
        Ok(CallToolResult::success(vec![Content::text(self)]))
    }
}

impl IntoToolResult for &'static str {
    fn into_tool_result(self) -> ToolOutcome {
        Ok(CallToolResult::success(vec![Content::text(self)]))
    }
}

impl IntoToolResult for Cow<'static, str> {
    fn into_tool_result(self) -> ToolOutcome {
        Ok(CallToolResult::success(vec![Content::text(self)]))
    }
}

macro_rules! display_results {
    ($($t:ty),*) => {$(
        impl IntoToolResult for $t {
            fn into_tool_result(self) -> ToolOutcome {
                Ok(CallToolResult::success(vec![Content::text(self.to_string())]))
            }
        }
    )*};
}
display_results!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, bool, char
);

impl<T: IntoToolResult, E: Display + 'static> IntoToolResult for Result<T, E> {
    fn into_tool_result(self) -> ToolOutcome {
        match self {
            Ok(v) => v.into_tool_result(),
            Err(e) => error_outcome(e),
        }
    }

    fn output_schema(gen: &mut SchemaGenerator) -> Option<Value> {
        T::output_schema(gen)
    }
}

/// Structured output: `structuredContent`, an `outputSchema` and a JSON text copy.
///
/// Any `Serialize + JsonSchema` type returned from a `#[tool]` already gets this
/// treatment (plain numbers, strings and `bool` stay text; wrap them in `Json` to make
/// them structured); the wrapper is for code that builds results by hand.
///
/// MCP requires `structuredContent` and `outputSchema` to be objects. A type whose schema
/// is not an object (`Vec<T>`, an enum, a number, `Option<T>`) is wrapped as
/// `{"result": value}` with the matching `outputSchema`
/// `{"type": "object", "properties": {"result": ..}, "required": ["result"]}`, as the
/// Python and TypeScript SDKs do; the text copy is the value itself.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Json<T>(pub T);

impl<T: Serialize + JsonSchema> IntoToolResult for Json<T> {
    fn into_tool_result(self) -> ToolOutcome {
        structured(&self.0)
    }

    fn output_schema(gen: &mut SchemaGenerator) -> Option<Value> {
        Some(output_schema::<T>(gen))
    }
}

/// Converts a handler's error. A deliberate tool error (`Error::tool`) becomes an
/// `isError` result here; every other failure (another kind of [`Error`], or any other
/// `Display` error) stays an `Err` of kind `Tool` through the middleware, which can tell
/// it apart (see `MaskErrors`), and becomes the same `isError` result at the end.
/// Missing capabilities and cancellation keep their kind.
pub(crate) fn error_outcome<E: Display + 'static>(e: E) -> ToolOutcome {
    if let Some(err) = (&e as &dyn Any).downcast_ref::<Error>() {
        return match err.kind() {
            // Authorization failures are for the client (401/403 and a step-up), not the model.
            ErrorKind::MissingCapability
            | ErrorKind::Cancelled
            | ErrorKind::Unauthorized
            | ErrorKind::InsufficientScope => Err(err.clone()),
            ErrorKind::Tool => Ok(CallToolResult::error(err.message())),
            _ => Err(Error::tool(err.message().to_owned())),
        };
    }
    Err(Error::tool(e.to_string()))
}

/// Serializes `value` as structured content with a JSON text copy. Values whose schema
/// is not an object are wrapped as `{"result": ..}` when the server sends them (the
/// catalog knows each tool's output schema; see [`Json`]).
pub(crate) fn structured<T: Serialize + ?Sized>(value: &T) -> ToolOutcome {
    match serde_json::to_value(value) {
        Ok(v) => Ok(CallToolResult::structured(v)),
        Err(e) => Err(Error::internal(format!(
            "failed to serialize tool output: {e}"
        ))),
    }
}

/// The output schema of `T` as generated; the catalog wraps a non-object one.
pub(crate) fn output_schema<T: JsonSchema + ?Sized>(gen: &mut SchemaGenerator) -> Value {
    gen.root_schema_for::<T>().to_value()
}
