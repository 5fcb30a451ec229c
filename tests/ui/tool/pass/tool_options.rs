//! Every `#[tool(..)]` option.
use mcpserve::prelude::*;

/// Doc comments are the default description.
#[tool(
    name = "get_user.v2",
    title = "Get user",
    description = "Look a user up.",
    annotations(read_only, destructive = false, idempotent, open_world = false, title = "Get user"),
    icon = "https://example.com/user.png",
    icon(src = "https://example.com/user-dark.svg", mime_type = "image/svg+xml", sizes = "48x48", theme = "dark"),
    meta = r#"{"com.example/owner": "team-a"}"#,
    group = "admin"
)]
async fn get_user(id: u64) -> String {
    id.to_string()
}

#[tool(crate = "mcpserve")]
async fn explicit_crate() -> &'static str {
    "ok"
}

fn main() {}
