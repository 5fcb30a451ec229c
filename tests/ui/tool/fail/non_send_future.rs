use mcpserve::prelude::*;
use std::rc::Rc;

async fn yield_once() {}

#[tool]
async fn count(text: String) -> usize {
    let shared = Rc::new(text);
    yield_once().await;
    shared.len()
}

fn main() {}
