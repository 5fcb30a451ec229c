use mcpserve::prelude::*;

#[tool(name = "get user")]
async fn get_user() -> String {
    String::new()
}

fn main() {}
