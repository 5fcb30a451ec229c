use mcpserve::prelude::*;

#[tool(meta = r#"{"owner": "team-a",}"#)]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
