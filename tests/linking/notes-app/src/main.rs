//! Serves the tools of `notes-tools`; defines none of its own.

use mcpserve::prelude::*;
// Nothing below names the library, so without this line rustc would not link it.
use notes_tools as _;

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    Server::from_registry().serve_stdio().await
}
