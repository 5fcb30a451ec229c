//! The runtime's tool-name and header-token rules, compiled into the macro crate as well
//! (see `uri_template.rs` for why the file is included rather than copied).

#[allow(dead_code)]
#[path = "../../mcp-runtime/src/names.rs"]
mod rules;

pub(crate) use rules::{check_header_name, check_tool_name};
