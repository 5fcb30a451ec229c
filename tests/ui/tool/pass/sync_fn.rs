//! Plain functions run on the blocking pool.
use mcpserve::prelude::*;

/// Add two numbers.
#[tool]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[tool]
fn with_context(ctx: Context, text: String) -> String {
    format!("{}:{text}", ctx.request_id())
}

fn main() {
    let _ = add(1, 2);
}
