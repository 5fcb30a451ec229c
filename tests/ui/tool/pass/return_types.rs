//! Every supported return type.
use mcpserve::prelude::*;

#[derive(Serialize, JsonSchema)]
struct Stats {
    words: usize,
}

#[derive(Debug)]
struct MyError;

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("my error")
    }
}

#[tool]
async fn owned_string() -> String {
    String::from("a")
}

#[tool]
async fn static_str() -> &'static str {
    "a"
}

#[tool]
async fn integer() -> i64 {
    1
}

#[tool]
async fn unsigned() -> u8 {
    1
}

#[tool]
async fn float() -> f64 {
    1.5
}

#[tool]
async fn boolean() -> bool {
    true
}

#[tool]
async fn unit() {}

#[tool]
async fn unit_explicit() -> () {}

#[tool]
async fn content() -> Content {
    Content::text("a")
}

#[tool]
async fn contents() -> Vec<Content> {
    vec![Content::text("a"), Content::image("aGk=", "image/png")]
}

#[tool]
async fn call_tool_result() -> CallToolResult {
    CallToolResult::success(vec![Content::text("a")])
}

#[tool]
async fn json_wrapper() -> Json<Stats> {
    Json(Stats { words: 1 })
}

#[tool]
async fn structured() -> Stats {
    Stats { words: 1 }
}

#[tool]
async fn result_display_error() -> Result<String, MyError> {
    Err(MyError)
}

#[tool]
async fn result_framework_error() -> Result<i64, Error> {
    Err(Error::tool("nope"))
}

#[tool]
async fn result_string_error() -> Result<(), String> {
    Ok(())
}

#[tool]
async fn result_structured() -> Result<Stats, Error> {
    Ok(Stats { words: 1 })
}

#[tool]
async fn result_content() -> Result<Vec<Content>, MyError> {
    Ok(Vec::new())
}

fn main() {}
