use mcpserve::prelude::*;

/// Prompt arguments are strings: a list would compile and then fail on every call.
#[prompt]
fn review(files: Vec<String>) -> String {
    files.join(", ")
}

fn main() {}
