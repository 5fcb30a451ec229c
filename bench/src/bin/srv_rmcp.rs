//! rmcp 3.11 bench server: the shared bench tools written the way rmcp's docs show
//! (`#[tool_router]` + `#[tool]` + `#[tool_handler]`, `Parameters<T>`, `Json<T>`).

use mcpserve_bench::rmcp_common;
use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
use rmcp::model::{ServerCapabilities, ServerConfig};
use rmcp::{schemars, tool, tool_handler, tool_router, Json, ServerHandler};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct AddArgs {
    /// Left operand.
    a: i64,
    /// Right operand.
    b: i64,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct EchoArgs {
    /// Text to echo.
    text: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct Stats {
    /// a + b.
    sum: i64,
    /// a * b.
    product: i64,
    /// (a + b) / 2.
    mean: f64,
}

#[derive(Debug, Clone)]
struct Bench {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Bench {
    fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "Add two integers.",
        annotations(read_only_hint = true, idempotent_hint = true)
    )]
    async fn add(&self, Parameters(AddArgs { a, b }): Parameters<AddArgs>) -> String {
        (a + b).to_string()
    }

    #[tool(
        description = "Echo the text back.",
        annotations(read_only_hint = true)
    )]
    async fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        text
    }

    #[tool(
        description = "Sum, product and mean of two integers, as structured output.",
        annotations(read_only_hint = true, idempotent_hint = true)
    )]
    async fn stats(&self, Parameters(AddArgs { a, b }): Parameters<AddArgs>) -> Json<Stats> {
        Json(Stats {
            sum: a + b,
            product: a * b,
            mean: (a + b) as f64 / 2.0,
        })
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Bench {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let (mode, addr) = rmcp_common::args();
    rmcp_common::serve(mode, addr.as_deref(), Bench::new).await
}
