//! rmcp 3.11 bench server with 1,000 generated `#[tool]` methods (from build.rs).

use mcpserve_bench::rmcp_common;
use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
use rmcp::model::{ServerCapabilities, ServerConfig};
use rmcp::{schemars, tool, tool_handler, tool_router, ServerHandler};
use serde::Deserialize;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct AddArgs {
    /// Left operand.
    a: i64,
    /// Right operand.
    b: i64,
}

#[derive(Debug, Clone)]
struct Many {
    tool_router: ToolRouter<Self>,
}

impl Many {
    fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }
}

include!(concat!(env!("OUT_DIR"), "/rmcp_tools_1k.rs"));

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Many {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let (mode, addr) = rmcp_common::args();
    rmcp_common::serve(mode, addr.as_deref(), Many::new).await
}
