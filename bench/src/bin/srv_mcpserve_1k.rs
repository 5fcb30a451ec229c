//! mcpserve bench server with 1,000 generated tools (`tools/list` latency). The tools come
//! from build.rs: `tool_0` ... `tool_999`, each `#[tool] async fn(a: i64, b: i64) -> i64`.

use mcpserve::prelude::*;

include!(concat!(env!("OUT_DIR"), "/mcpserve_tools_1k.rs"));

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    Server::from_registry().serve_stdio().await
}
