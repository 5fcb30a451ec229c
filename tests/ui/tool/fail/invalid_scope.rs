use mcpserve::prelude::*;

/// Scopes are OAuth scope tokens: no spaces.
#[tool(scopes = ["notes:read", "notes write"])]
async fn read(who: Principal) -> String {
    who.subject().to_owned()
}

fn main() {}
