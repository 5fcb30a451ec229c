// MCP Apps: a tool linked to its view, an app-only tool, and the view with every setting.
use mcpserve::prelude::*;

/// Shows the chart.
#[tool(app = "ui://charts/sales", annotations(read_only))]
async fn sales_chart(quarter: u8) -> String {
    format!("Q{quarter}")
}

/// Refreshes the chart (its view calls it).
#[tool(app = "ui://charts/sales", visibility = ["app"])]
async fn refresh() -> String {
    String::new()
}

/// A tool the model sees, with no view.
#[tool(visibility = ["model"])]
async fn plain() -> String {
    String::new()
}

#[resource(
    "ui://charts/sales",
    app(
        csp(connect = ["https://api.example.com"], resource = ["https://*.cdn.example.com"],
            frame = ["https://player.example.com"], base_uri = ["https://cdn.example.com"]),
        permissions = ["camera", "microphone", "geolocation", "clipboard_write"],
        domain = "sales.example.com",
        prefers_border = true
    )
)]
fn sales_ui() -> Html {
    Html::from("<!doctype html>")
}

fn main() {}
