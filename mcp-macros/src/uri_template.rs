//! The runtime's RFC 6570 parser, compiled into the macro crate as well.
//!
//! Including the very file (`#[path]`) instead of duplicating it means a template the
//! macro accepts is exactly a template the runtime can match; the file is kept free of
//! dependencies for this purpose. (A proc-macro crate cannot depend on `mcp-runtime`, and
//! a third crate for ~200 lines would add a published package to keep in lockstep.
//! Packaging note: `cargo package` of mcp-macros must vendor this file.)

#[allow(dead_code)]
#[path = "../../mcp-runtime/src/uri_template/parse.rs"]
mod parse;

pub(crate) use parse::{check_scheme, parse_template, variable_names};
