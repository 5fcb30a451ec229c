use mcpserve::prelude::*;

#[resource("users://{id")]
async fn unclosed(id: u64) -> String {
    id.to_string()
}

#[resource("users://{id}/{id}")]
async fn twice(id: u64) -> String {
    id.to_string()
}

#[resource("users://{}")]
async fn empty() -> String {
    String::new()
}

#[resource("no-scheme/{id}")]
async fn no_scheme(id: u64) -> String {
    id.to_string()
}

#[resource("files://a b")]
async fn space() -> String {
    String::new()
}

fn main() {}
