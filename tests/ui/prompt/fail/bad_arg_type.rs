use mcpserve::prelude::*;

struct Opaque;

#[prompt]
fn review(code: Opaque) -> String {
    let _ = code;
    String::new()
}

fn main() {}
