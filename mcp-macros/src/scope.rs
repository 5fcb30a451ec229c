//! The runtime's OAuth scope syntax rule, compiled into the macro crate as well (see
//! `uri_template.rs` for why the very file is included).

#[allow(dead_code)]
#[path = "../../mcp-runtime/src/auth/scope_token.rs"]
mod scope_token;

pub(crate) use scope_token::check;
