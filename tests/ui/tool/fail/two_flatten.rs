use mcpserve::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct A {
    a: i64,
}

#[derive(Deserialize, JsonSchema)]
struct B {
    b: i64,
}

#[tool]
async fn both(#[arg(flatten)] a: A, #[arg(flatten)] b: B) -> i64 {
    a.a + b.b
}

fn main() {}
