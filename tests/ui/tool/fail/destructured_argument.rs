use mcpserve::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Pair {
    a: i64,
    b: i64,
}

#[tool]
async fn add(Pair { a, b }: Pair) -> i64 {
    a + b
}

fn main() {}
