use mcpserve::prelude::*;

struct Calculator;

impl Calculator {
    /// No `self`, so it looks like a tool; but it lives in an `impl` block.
    #[tool]
    async fn add(a: i64, b: i64) -> i64 {
        a + b
    }
}

fn main() {}
