use mcpserve::prelude::*;

#[tool(name = "a_name_that_goes_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_and_on_forever")]
async fn long_name() -> String {
    String::new()
}

fn main() {}
