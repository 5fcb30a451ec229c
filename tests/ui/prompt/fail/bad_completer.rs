use mcpserve::prelude::*;

fn not_a_completer(n: u32) -> bool {
    n > 0
}

#[prompt]
fn review(#[arg(complete = not_a_completer)] language: String) -> String {
    language
}

fn main() {}
