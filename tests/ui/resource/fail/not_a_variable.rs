use mcpserve::prelude::*;

#[resource("users://{id}")]
async fn user(id: u64, extra: String) -> String {
    format!("{id}{extra}")
}

fn main() {}
