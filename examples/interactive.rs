//! Tools that talk back: progress, logging, elicitation and sampling. The same code serves
//! session-era clients (the server sends requests) and 2026-07-28 clients (the server
//! answers `input_required` and the client retries with the answers).
//!
//! Run it with `cargo run --example interactive` and point an MCP client at the binary.
//! `tracing` events inside the tools reach clients that asked for log messages.

use mcpserve::prelude::*;

/// The user's go-ahead.
#[derive(Deserialize, JsonSchema, Elicit)]
struct Confirm {
    /// Delete it for good?
    proceed: bool,
    /// Why (kept in the audit log).
    reason: Option<String>,
}

/// Delete a project after asking the user.
#[tool(annotations(destructive))]
async fn delete_project(
    /// The project to delete.
    name: String,
    ctx: Context,
) -> Result<String, Error> {
    ctx.progress(0, Some(3), "checking").await;
    tracing::info!(%name, "deleting");
    let answer = ctx
        .elicit::<Confirm>(format!("Really delete {name}?"))
        .await?;
    let reason = match answer {
        Elicitation::Accepted(Confirm {
            proceed: true,
            reason,
        }) => reason.unwrap_or_else(|| "no reason given".into()),
        Elicitation::Accepted(_) | Elicitation::Declined => return Ok(format!("{name} kept")),
        Elicitation::Cancelled => return Err(Error::tool("cancelled by the user")),
    };
    if ctx.is_cancelled() {
        return Err(Error::tool("cancelled"));
    }
    ctx.progress(1, Some(3), "deleting").await;
    tracing::warn!(%name, %reason, "project deleted");
    ctx.progress(2, Some(3), "summarising").await;
    let summary = ctx
        .sample(
            format!(
                "In one sentence, tell the user that project {name} was deleted because: {reason}"
            ),
            SamplingOptions::default().max_tokens(100),
        )
        .await?;
    ctx.progress(3, Some(3), None).await;
    Ok(summary.text())
}

/// How the user rates something.
#[derive(Deserialize, Elicit)]
#[serde(rename_all = "lowercase")]
enum Rating {
    #[elicit(title = "Loved it")]
    Good,
    #[elicit(title = "It was fine")]
    Okay,
    #[elicit(title = "Not for me")]
    Bad,
}

/// A short survey.
#[derive(Deserialize, Elicit)]
struct Survey {
    /// Your e-mail, for follow-up.
    #[elicit(format = "email")]
    email: Option<String>,
    /// Overall impression.
    rating: Rating,
    /// Stars from 1 to 5.
    #[elicit(minimum = 1, maximum = 5, default = 5)]
    stars: Option<u8>,
}

/// Ask the user for feedback.
#[tool]
async fn feedback(ctx: Context) -> Result<String, Error> {
    let survey = ctx.elicit::<Survey>("How was it?").await?.required()?;
    let rating = match survey.rating {
        Rating::Good => "good",
        Rating::Okay => "okay",
        Rating::Bad => "bad",
    };
    tracing::debug!(rating, "feedback received");
    Ok(format!(
        "thanks: {rating}, {} stars{}",
        survey.stars.unwrap_or(5),
        survey
            .email
            .map(|e| format!(", we'll write to {e}"))
            .unwrap_or_default()
    ))
}

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    // Logs go to stderr, and through `McpLogLayer` to clients that asked for them.
    mcpserve::logging::init();
    Server::from_registry()
        .instructions("Tools that ask before acting.")
        .run()
        .await
}
