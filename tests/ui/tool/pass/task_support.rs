use mcpserve::prelude::*;

/// Runs as a task when the client supports them.
#[tool(task = "optional")]
async fn reindex(ctx: Context) -> Result<String, Error> {
    ctx.progress(1, Some(1), "indexing").await;
    Ok("done".into())
}

/// Only as a task.
#[tool(task = "required", annotations(destructive))]
fn purge() -> &'static str {
    "purged"
}

/// Never as a task (the default, spelled out).
#[tool(task = "forbidden")]
fn ping_it() -> &'static str {
    "pong"
}

fn main() {}
