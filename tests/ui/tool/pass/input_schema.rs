use mcpserve::prelude::*;

/// Arguments bound through a struct that only derives `Deserialize`: the published
/// schema is the hand-written one.
#[derive(Deserialize)]
struct Point {
    x: f64,
    y: f64,
}

/// A point.
#[tool(input_schema = r#"{"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}}, "required": ["x", "y"]}"#)]
fn norm(#[arg(flatten)] p: Point) -> f64 {
    (p.x * p.x + p.y * p.y).sqrt()
}

/// Plain parameters still bind by name; extractors still work.
#[tool(input_schema = r#"{"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}}"#)]
async fn count(n: Option<u32>, ctx: Context) -> String {
    format!("{} {}", n.unwrap_or(0), ctx.request_id())
}

fn main() {}
