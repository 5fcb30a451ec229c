//! Tools that live in a library: they register only in binaries that link this crate.

use mcpserve::prelude::*;

/// Add a note.
#[tool]
pub fn add_note(text: String) -> String {
    format!("noted: {text}")
}
