use mcpserve::prelude::*;

struct Opaque;

#[tool]
async fn make() -> Opaque {
    Opaque
}

fn main() {}
