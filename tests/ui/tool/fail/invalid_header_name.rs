use mcpserve::prelude::*;

#[tool]
async fn weather(#[arg(header = "Region Name")] region: String) -> String {
    region
}

fn main() {}
