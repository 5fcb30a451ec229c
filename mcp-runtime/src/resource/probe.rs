//! Return-value probes for `#[resource]`: `IntoResourceContents` > `Result<Serialize, E>`
//! > `Serialize` (JSON text) > a compile error at the return type.
#![allow(missing_docs)]

use std::fmt::Display;

use serde::Serialize;

use super::contents::{json_contents, read_error};
use super::{IntoResourceContents, ReadOutcome, ResourceRequest};
use crate::protocol::ReadResourceResult;
pub use crate::tool::probe::Probe;

/// Marker carrying the diagnostic for return types that fit no level; never implemented.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a resource",
    label = "not convertible into resource contents",
    note = "return String, Vec<u8>, bytes::Bytes, Json<T>, Text, Blob, ResourceContents, a Vec of those, any `Serialize` type, or a Result of one of these with an error that implements Display"
)]
pub trait ResourceReturn {}

pub trait ReadInto<R> {
    fn __mcp_into_read(&self, value: R, req: &ResourceRequest) -> ReadOutcome;
}
impl<R: IntoResourceContents> ReadInto<R> for &&&Probe<R> {
    fn __mcp_into_read(&self, value: R, req: &ResourceRequest) -> ReadOutcome {
        req.__finish(value)
    }
}

pub trait ReadSerResult<R> {
    fn __mcp_into_read(&self, value: R, req: &ResourceRequest) -> ReadOutcome;
}
impl<T: Serialize, E: Display + 'static> ReadSerResult<Result<T, E>> for &&Probe<Result<T, E>> {
    fn __mcp_into_read(&self, value: Result<T, E>, req: &ResourceRequest) -> ReadOutcome {
        match value {
            Ok(v) => json_contents(&v, req.uri(), req.declared_mime_type())
                .map(|contents| ReadResourceResult { contents }),
            Err(e) => Err(read_error(e, req.uri())),
        }
    }
}

pub trait ReadSer<R> {
    fn __mcp_into_read(&self, value: R, req: &ResourceRequest) -> ReadOutcome;
}
impl<T: Serialize> ReadSer<T> for &Probe<T> {
    fn __mcp_into_read(&self, value: T, req: &ResourceRequest) -> ReadOutcome {
        json_contents(&value, req.uri(), req.declared_mime_type())
            .map(|contents| ReadResourceResult { contents })
    }
}

pub trait ReadInvalid<R> {
    fn __mcp_into_read(&self, _value: R, _req: &ResourceRequest) -> ReadOutcome
    where
        R: ResourceReturn,
    {
        unreachable!()
    }
}
impl<R> ReadInvalid<R> for Probe<R> {}
