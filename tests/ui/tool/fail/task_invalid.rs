use mcpserve::prelude::*;

#[tool(task = "sometimes")]
async fn reindex() -> String {
    "done".into()
}

fn main() {}
