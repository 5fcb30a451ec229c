use mcpserve::prelude::*;

#[tool(input_schema = r#"{"type": "object", "properties": {}"#)]
fn unclosed() -> &'static str {
    "x"
}

#[tool(input_schema = r#"{"type": "string"}"#)]
fn not_an_object() -> &'static str {
    "x"
}

#[tool(input_schema = r#"{"type": "object", "properties": ["a"]}"#)]
fn bad_properties() -> &'static str {
    "x"
}

fn main() {}
