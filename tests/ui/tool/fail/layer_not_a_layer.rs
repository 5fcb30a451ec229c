use mcpserve::prelude::*;

// A layer must be a `tower::Layer` over the call service.
#[tool(layer = 42)]
async fn reindex() -> String {
    "done".into()
}

fn main() {}
