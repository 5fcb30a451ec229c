//! A compact JSON encoder for the runtime's output path, byte-identical to
//! `serde_json::to_vec`.
//!
//! Why it exists: serde_json escapes strings one byte at a time (about nine
//! instructions per byte), and its `Formatter` hooks only see the fragments after
//! that loop, so the loop cannot be replaced from outside. With tools returning
//! large text (a 64 KiB `echo`), half of all server instructions were in
//! `serde_json::ser::format_escaped_str`. This encoder scans strings a 64-bit word
//! at a time instead (see [`escape`]) and otherwise follows serde_json 1.0's
//! `ser.rs` step for step: same numbers (`itoa`, and `zmij` for floats, the crate
//! serde_json itself formats floats with), same treatment of non-finite floats,
//! enums, map keys and `RawValue`, same errors (as `serde_json::Error`).
//!
//! Only result writers use it; parsing and everything else stay on serde_json.

mod escape;
mod key;
mod raw;
mod ser;
#[cfg(test)]
mod tests;

pub(crate) use ser::{to_vec, to_writer};

use crate::protocol::types::{CallToolResult, Content};

/// Writes a `tools/call` result. The commonest one, a single text block and nothing else,
/// is written without the serializer: the tagged enum and the optional fields cost it ≈4×
/// the instructions of the bytes themselves. Same bytes either way (tested).
pub(crate) fn call_tool_result(
    out: &mut Vec<u8>,
    result: &CallToolResult,
) -> Result<(), serde_json::Error> {
    if let (
        [Content::Text {
            text,
            annotations: None,
        }],
        None,
        false,
        None,
    ) = (
        &result.content[..],
        &result.structured_content,
        result.is_error,
        &result.meta,
    ) {
        out.extend_from_slice(br#"{"content":[{"type":"text","text":"#);
        escape::write_str(out, text);
        out.extend_from_slice(b"}]}");
        return Ok(());
    }
    to_writer(out, result)
}

/// A `serde_json::Error` carrying serde_json's message for the same failure.
fn error(message: &str) -> serde_json::Error {
    serde::ser::Error::custom(message)
}

/// Writes the decimal form of an integer, as serde_json does.
#[inline]
fn write_int<I: itoa::Integer>(out: &mut Vec<u8>, value: I) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Writes the shortest round-tripping form of a finite float, as serde_json does.
#[inline]
fn write_float<F: zmij::Float>(out: &mut Vec<u8>, value: F) {
    out.extend_from_slice(zmij::Buffer::new().format_finite(value).as_bytes());
}

/// Implements the `serde::Serializer` methods that accept nothing: each returns
/// `Err(self.reject())`. Used by the serializers that take only a few data types
/// (map keys, raw JSON text).
macro_rules! reject {
    ($($method:ident($($arg:ident: $ty:ty),*) -> $ok:ty;)*) => {
        $(
            fn $method(self, $($arg: $ty),*) -> Result<$ok, serde_json::Error> {
                let _ = ($($arg,)*);
                Err(self.reject())
            }
        )*
    };
}
use reject;
