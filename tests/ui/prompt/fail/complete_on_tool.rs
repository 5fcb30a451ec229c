use mcpserve::prelude::*;

fn langs(_: &str) -> Vec<String> {
    Vec::new()
}

#[tool]
async fn t(#[arg(complete = langs)] language: String) -> String {
    language
}

fn main() {}
