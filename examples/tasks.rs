//! A long-running job as a task, in both protocol eras: progress while it runs, a
//! question to the user halfway, and cancellation.
//!
//! ```text
//! cargo run --example tasks -- --port 8080        # http://127.0.0.1:8080/mcp
//! ```
//!
//! * A 2025-11-25 client calls `reindex` with `params.task` and gets a task at once; it
//!   polls `tasks/get`, answers the question on `tasks/result`, or stops the job with
//!   `tasks/cancel`. Progress arrives as `notifications/progress` on the session's stream.
//! * A 2026-07-28 client that declares `io.modelcontextprotocol/tasks` gets a task too;
//!   `tasks/get` shows the progress message as `statusMessage`, the question as
//!   `inputRequests`, and `tasks/update` answers it: the handler continues where it
//!   waited.
//! * A client without tasks gets the same handler as a plain (long) call.

use std::time::Duration;

use mcpserve::prelude::*;
use mcpserve::{HttpConfig, TaskConfig};

/// The documents to index (stands in for a database).
#[derive(Clone)]
struct Corpus(Vec<&'static str>);

/// What the job did.
#[derive(Serialize, JsonSchema)]
struct Report {
    /// Documents indexed.
    indexed: usize,
    /// Whether the new index went live.
    published: bool,
}

/// The user's decision.
#[derive(Deserialize, Elicit)]
struct Publish {
    /// Make the new index live?
    publish: bool,
}

/// Re-index every document (takes a few seconds), then ask whether to publish.
#[tool(task = "optional", annotations(idempotent))]
async fn reindex(
    /// Milliseconds spent per document.
    #[arg(default = 500)]
    pace_ms: u64,
    ctx: Context,
    State(corpus): State<Corpus>,
) -> Result<Report, Error> {
    let total = corpus.0.len();
    for (i, doc) in corpus.0.iter().enumerate() {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(pace_ms)) => {}
            _ = ctx.cancelled() => return Err(Error::tool("re-indexing cancelled")),
        }
        tracing::info!(doc, "indexed");
        let message = format!("indexed {doc} ({}/{total})", i + 1);
        ctx.progress((i + 1) as f64, Some(total as f64), message)
            .await;
    }
    let Publish { publish } = ctx
        .elicit::<Publish>(format!(
            "{total} documents re-indexed. Publish the new index?"
        ))
        .await?
        .required()?;
    Ok(Report {
        indexed: total,
        published: publish,
    })
}

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    let mut port = 8080u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().and_then(|p| p.parse().ok())) {
            ("--port", Some(p)) => port = p,
            _ => {
                eprintln!("usage: tasks [--port PORT]");
                std::process::exit(2);
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}/mcp", listener.local_addr()?);
    Server::from_registry()
        .state(Corpus(vec!["intro.md", "guide.md", "api.md", "faq.md"]))
        // Tasks are on because `reindex` declares them; this only tunes them.
        .tasks(TaskConfig::default().configure(|t| {
            t.default_ttl = Duration::from_secs(15 * 60);
            t.max_running_per_owner = 4;
        }))
        .serve_http_on(listener, HttpConfig::default(), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
