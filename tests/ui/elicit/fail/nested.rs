use mcpserve::prelude::*;

#[derive(Deserialize)]
struct Address {
    street: String,
}

#[derive(Deserialize, Elicit)]
struct Form {
    name: String,
    address: Address,
    tags: std::collections::HashMap<String, String>,
}

fn main() {}
