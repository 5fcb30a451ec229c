use mcpserve::prelude::*;

#[derive(Deserialize, Elicit)]
struct Form {
    #[elicit(format = "phone")]
    phone: String,
    #[elicit(format = "email")]
    age: u32,
    #[elicit(colour = "red")]
    name: String,
}

#[derive(Deserialize, Elicit)]
enum Choice {
    A(u32),
    B,
}

#[derive(Deserialize, Elicit)]
struct Tuple(String);

fn main() {}
