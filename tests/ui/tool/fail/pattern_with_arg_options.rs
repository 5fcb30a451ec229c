use mcpserve::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Pair(i64, i64);

#[tool]
async fn add(#[arg(rename = "pair")] Pair(a, b): Pair) -> i64 {
    a + b
}

fn main() {}
