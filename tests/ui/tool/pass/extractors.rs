//! Extractors stay out of the schema: Context, State<T>, CancellationToken, custom types.
use mcpserve::prelude::*;

#[derive(Clone)]
struct Db {
    prefix: String,
}

struct Caller(String);

impl FromContext for Caller {
    async fn from_context(ctx: &Context) -> Result<Self, Error> {
        Ok(Caller(
            ctx.client_info()
                .map_or_else(|| "unknown".to_owned(), |i| i.name.clone()),
        ))
    }
}

#[tool]
async fn everything(
    ctx: Context,
    db: State<Db>,
    caller: Caller,
    token: mcpserve::CancellationToken,
    text: String,
) -> String {
    let _ = token.is_cancelled();
    format!("{}{}{}{}", db.prefix, caller.0, ctx.request_id(), text)
}

#[tool]
async fn destructured_extractor(State(db): State<Db>) -> String {
    db.prefix
}

fn main() {}
