use mcpserve::prelude::*;

#[tool]
async fn add(#[arg(renamed = "left")] a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}
