use mcpserve::prelude::*;

// The crate declares `ui://charts/sales`: a tool naming another view is a typo.
#[tool(app = "ui://charts/sale")]
async fn sales_chart() -> String {
    String::new()
}

#[tool(app = "https://example.com/chart")]
async fn not_a_view() -> String {
    String::new()
}

#[tool(visibility = ["model", "user"])]
async fn unknown_visibility() -> String {
    String::new()
}

#[tool(visibility = [])]
async fn nobody() -> String {
    String::new()
}

#[tool(app = "ui://charts/sales", meta = r#"{"ui": {"resourceUri": "ui://x"}}"#)]
async fn ui_twice() -> String {
    String::new()
}

#[resource("ui://charts/sales")]
fn sales_ui() -> Html {
    Html::from("<!doctype html>")
}

fn main() {}
