use mcpserve::prelude::*;

struct Opaque;

#[resource("things://{thing}")]
async fn thing(thing: Opaque) -> String {
    let _ = thing;
    String::new()
}

fn main() {}
