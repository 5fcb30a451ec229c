//! Depends on `notes-tools` but never names it: rustc does not link it, so its tools are
//! missing. The server must say so.

use mcpserve::prelude::*;

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    Server::from_registry().serve_stdio().await
}
