use mcpserve::prelude::*;

struct Point {
    x: i64,
    y: i64,
}

#[tool]
async fn plot(point: Point) -> String {
    format!("{} {}", point.x, point.y)
}

fn main() {}
