use mcpserve::prelude::*;

// One mistake in the form: the derive reports it, and the tool that asks for the form
// compiles on (no "Elicit is not implemented" on top).
#[derive(Deserialize, Elicit)]
struct Confirm {
    #[elicit(colour = "red")]
    proceed: bool,
}

#[tool]
async fn delete(ctx: Context) -> Result<String, Error> {
    let answer = ctx.elicit::<Confirm>("Really?").await?;
    Ok(format!("{}", matches!(answer, Elicitation::Accepted(_))))
}

fn main() {}
