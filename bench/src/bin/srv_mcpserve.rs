//! mcpserve bench server: the shared bench tools, served the way the README shows.
//!
//! `srv-mcpserve stdio`, or `srv-mcpserve http ADDR` / `http-sse ADDR` (feature `mcpserve-http`).

use mcpserve::prelude::*;

/// Add two integers.
#[tool(annotations(read_only, idempotent))]
async fn add(
    /// Left operand.
    a: i64,
    /// Right operand.
    b: i64,
) -> i64 {
    a + b
}

/// Echo the text back.
#[tool(annotations(read_only))]
async fn echo(
    /// Text to echo.
    text: String,
) -> String {
    text
}

/// Sum, product and mean of two integers.
#[derive(Serialize, JsonSchema)]
struct Stats {
    /// a + b.
    sum: i64,
    /// a * b.
    product: i64,
    /// (a + b) / 2.
    mean: f64,
}

/// Sum, product and mean of two integers, as structured output.
#[tool(annotations(read_only, idempotent))]
async fn stats(
    /// Left operand.
    a: i64,
    /// Right operand.
    b: i64,
) -> Stats {
    Stats {
        sum: a + b,
        product: a * b,
        mean: (a + b) as f64 / 2.0,
    }
}

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("stdio") | None => Server::from_registry().serve_stdio().await,
        #[cfg(feature = "mcpserve-http")]
        Some(mode @ ("http" | "http-sse")) => {
            use mcpserve::http::{HttpConfig, ResponseMode};
            let addr = args.get(1).expect("usage: srv-mcpserve http|http-sse ADDR");
            // The default configuration, except room for the 10,000-idle-sessions scenario
            // (the default cap is exactly 10,000), and, for `http-sse`, SSE for every reply
            // (the default answers with a JSON body unless the handler streams).
            let sse = mode == "http-sse";
            let config = HttpConfig::default().configure(|c| {
                c.max_sessions = 100_000;
                if sse {
                    c.response_mode = ResponseMode::Sse;
                }
            });
            Server::from_registry()
                .serve_http_with_shutdown(addr.as_str(), config, std::future::pending())
                .await
        }
        Some(other) => {
            eprintln!("srv-mcpserve: unsupported mode `{other}` (stdio | http ADDR | http-sse ADDR with feature mcpserve-http)");
            std::process::exit(2)
        }
    }
}
