use mcpserve::prelude::*;

fn not_a_lister(n: u32) -> bool {
    n > 0
}

#[resource("users://{id}", list = not_a_lister)]
async fn user(id: u64) -> String {
    id.to_string()
}

fn main() {}
