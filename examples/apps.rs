//! MCP Apps: a tool whose result a host shows in an interactive HTML view.
//!
//! ```text
//! cargo run --example apps -- --port 8080      # http://127.0.0.1:8080/mcp
//! ```
//!
//! `sales_chart` links its view with `#[tool(app = "ui://charts/sales")]`; the view is
//! the `ui://charts/sales` resource (`examples/apps/sales.html`: a page built with the
//! ext-apps App SDK from npm, bundled into one file by `examples/apps/build.mjs`). A host
//! that supports MCP Apps reads the view, renders it in a sandboxed iframe and hands it
//! the tool's result; the view draws the chart and calls `sales_total` through the host.
//! `sales_total` is only for the view (`visibility = ["app"]`): hosts keep it from the
//! model, and clients that do not declare MCP Apps are not offered it at all.
//!
//! `--port 0` picks a free port; the URL is printed as `listening on http://…/mcp`.
//! With `--stdin-shutdown`, closing stdin shuts the server down gracefully.

use mcpserve::prelude::*;
use mcpserve::HttpConfig;

/// One region's sales in a quarter.
#[derive(Serialize, JsonSchema)]
struct RegionSales {
    region: String,
    amount: u64,
}

/// A quarter's sales by region.
#[derive(Serialize, JsonSchema)]
struct Sales {
    quarter: u8,
    regions: Vec<RegionSales>,
}

/// A quarter's total.
#[derive(Serialize, JsonSchema)]
struct Total {
    quarter: u8,
    total: u64,
}

const REGIONS: [&str; 4] = ["North", "South", "East", "West"];

fn sales_of(quarter: u8) -> Result<Sales, Error> {
    if !(1..=4).contains(&quarter) {
        return Err(Error::invalid_params("quarter must be 1, 2, 3 or 4"));
    }
    let q = u64::from(quarter);
    let regions = REGIONS
        .iter()
        .enumerate()
        .map(|(i, region)| RegionSales {
            region: (*region).to_owned(),
            amount: 1_000 * (10 + 7 * q + 5 * i as u64 * q % 13),
        })
        .collect();
    Ok(Sales { quarter, regions })
}

/// Show a chart of a quarter's sales by region.
#[tool(app = "ui://charts/sales", annotations(read_only))]
async fn sales_chart(
    /// The quarter, 1 to 4.
    quarter: u8,
) -> Result<Json<Sales>, Error> {
    sales_of(quarter).map(Json)
}

/// The total of a quarter's sales (called by the chart's view).
#[tool(app = "ui://charts/sales", visibility = ["app"], annotations(read_only))]
async fn sales_total(
    /// The quarter, 1 to 4.
    quarter: u8,
) -> Result<Json<Total>, Error> {
    let sales = sales_of(quarter)?;
    Ok(Json(Total {
        quarter,
        total: sales.regions.iter().map(|r| r.amount).sum(),
    }))
}

/// The sales chart's view.
#[resource("ui://charts/sales", name = "sales-chart", app(prefers_border = true))]
fn sales_ui() -> Html {
    Html::from(include_str!("apps/sales.html"))
}

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    let mut port = 8080u16;
    let mut stdin_shutdown = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage("--port needs a number"));
            }
            "--stdin-shutdown" => stdin_shutdown = true,
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}/mcp", listener.local_addr()?);
    let shutdown = async move {
        if stdin_shutdown {
            let mut sink = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut tokio::io::stdin(), &mut sink).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    Server::from_registry()
        .name("mcpserve-apps-example")
        .serve_http_on(listener, HttpConfig::default(), shutdown)
        .await
}

fn usage(problem: &str) -> ! {
    eprintln!("error: {problem}\nusage: apps [--port PORT] [--stdin-shutdown]");
    std::process::exit(2)
}
