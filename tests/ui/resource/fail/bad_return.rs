use mcpserve::prelude::*;

struct Opaque;

#[resource("things://one")]
async fn thing() -> Opaque {
    Opaque
}

fn main() {}
