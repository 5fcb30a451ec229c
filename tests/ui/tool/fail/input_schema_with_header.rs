use mcpserve::prelude::*;

/// The header must be declared in a hand-written schema, where clients read it.
#[tool(input_schema = r#"{"type": "object", "properties": {"region": {"type": "string"}}}"#)]
fn regional(#[arg(header = "Region")] region: String) -> String {
    region
}

fn main() {}
