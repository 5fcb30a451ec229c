//! Option<T> arguments and every `#[arg(..)]` option.
use mcpserve::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Query {
    /// Search terms.
    terms: String,
    #[schemars(range(min = 1))]
    limit: Option<u32>,
}

#[tool]
async fn search(
    /// Which page.
    page: Option<u32>,
    #[arg(default)] verbose: bool,
    #[arg(default = 10)] limit: u32,
    #[arg(default = String::from("en"))] lang: String,
    #[arg(rename = "userId")] user_id: u64,
    #[arg(description = "The region to search in.", header = "Region")] region: String,
    r#type: Option<String>,
    #[arg(rename = "kind")] category: Option<String>,
) -> String {
    format!("{page:?}{verbose}{limit}{lang}{user_id}{region}{type:?}{category:?}")
}

#[tool]
async fn flattened(#[arg(flatten)] query: Query, ctx: Context) -> String {
    let _ = ctx;
    format!("{}{:?}", query.terms, query.limit)
}

fn main() {}
