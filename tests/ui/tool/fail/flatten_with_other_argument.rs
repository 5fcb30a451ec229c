use mcpserve::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Query {
    terms: String,
}

#[tool]
async fn search(#[arg(flatten)] query: Query, limit: u32) -> String {
    format!("{} {limit}", query.terms)
}

fn main() {}
