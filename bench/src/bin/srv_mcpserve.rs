//! mcpserve bench server: the shared bench tools, served the way the README shows.
//!
//! `srv-mcpserve stdio` (`stdio-layer-fn`, `stdio-layer-timeout`: behind one middleware layer), or `srv-mcpserve http ADDR` / `http-sse ADDR` (feature `mcpserve-http`).
//! The proxy overhead rows run the same tools behind the mcpserve proxy:
//! `srv-mcpserve proxy-stdio` (a proxy on stdio in front of `srv-mcpserve stdio`, its child)
//! and `srv-mcpserve proxy-http ADDR` (a proxy on ADDR in front of `srv-mcpserve http`,
//! its child on a free port), both with `Server::builder().without_registry().proxy("", ..)`.

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
        // The middleware row: every tool behind one layer that does nothing but pass the
        // call on (`from_fn`), or behind a `Timeout`.
        Some("stdio-layer-fn") => {
            use mcpserve::middleware::{from_fn, Next};
            use mcpserve::ToolCall;
            Server::builder()
                .layer(from_fn(|call: ToolCall, next: Next| next.run(call)))
                .serve_stdio()
                .await
        }
        Some("stdio-layer-timeout") => {
            use mcpserve::middleware::Timeout;
            Server::builder()
                .layer(Timeout::new(std::time::Duration::from_secs(30)))
                .serve_stdio()
                .await
        }
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
        #[cfg(feature = "mcpserve-http")]
        Some("proxy-stdio") => {
            use mcpserve::proxy::Remote;
            let me = std::env::current_exe()?.to_string_lossy().into_owned();
            Server::builder()
                .without_registry()
                .proxy("", Remote::stdio(me, ["stdio"]))
                .serve_stdio()
                .await
        }
        #[cfg(feature = "mcpserve-http")]
        Some("proxy-http") => {
            use mcpserve::proxy::Remote;
            let addr = args.get(1).expect("usage: srv-mcpserve proxy-http ADDR");
            let upstream = mcpserve_bench::proc::spawn_http_upstream("srv-mcpserve")?;
            Server::builder()
                .without_registry()
                .proxy("", Remote::http(format!("http://{upstream}/mcp")))
                .serve_http_with_shutdown(
                    addr.as_str(),
                    mcpserve::HttpConfig::default(),
                    std::future::pending(),
                )
                .await
        }
        Some(other) => {
            eprintln!("srv-mcpserve: unsupported mode `{other}` (stdio | stdio-layer-fn | stdio-layer-timeout | http ADDR | http-sse ADDR | proxy-stdio | proxy-http ADDR with feature mcpserve-http)");
            std::process::exit(2)
        }
    }
}
