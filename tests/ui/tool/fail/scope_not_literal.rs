use mcpserve::prelude::*;

const NOTES: &str = "notes";

/// Scopes are string literals.
#[tool(scopes = [NOTES])]
async fn write() -> String {
    String::new()
}

fn main() {}
