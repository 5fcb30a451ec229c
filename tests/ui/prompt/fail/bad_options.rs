use mcpserve::prelude::*;

#[prompt(colour = "red")]
fn unknown_option() -> String {
    String::new()
}

#[prompt]
fn unsupported_arg_option(#[arg(header = "X")] code: String) -> String {
    code
}

#[prompt]
fn duplicate(#[arg(rename = "b")] a: String, b: String) -> String {
    a + &b
}

#[prompt(name = "")]
fn empty_name() -> String {
    String::new()
}

#[prompt]
async fn generic<T: Send>(code: String) -> String {
    code
}

fn main() {}
