//! A few tools, resources and a prompt. Run it with `cargo run --example quickstart` and point an MCP
//! client at the binary (no arguments: stdio), or try the command line every server gets:
//! `cargo run --example quickstart -- list`, `... -- call add --arg a=1 --arg b=2`, `... -- --help`.

use mcpserve::prelude::*;

/// Add two numbers.
#[tool(annotations(read_only, idempotent))]
async fn add(
    /// The left operand.
    a: i64,
    /// The right operand.
    b: i64,
) -> Result<i64, Error> {
    // Overflow is the caller's mistake: a tool error the model can read, not a wrapped
    // number (release) or a panic (debug).
    a.checked_add(b)
        .ok_or_else(|| Error::tool(format!("{a} + {b} does not fit in a 64-bit integer")))
}

/// Echo the text back.
#[tool(annotations(read_only))]
async fn echo(
    /// Text to echo.
    text: String,
) -> String {
    text
}

/// Counts of words, characters and lines.
#[derive(Serialize, JsonSchema)]
struct WordStats {
    /// Whitespace-separated words.
    words: usize,
    /// Unicode scalar values.
    chars: usize,
    /// Lines.
    lines: usize,
}

/// Count the words, characters and lines of a text.
#[tool(annotations(read_only, idempotent))]
fn word_count(
    /// The text to analyse.
    text: String,
) -> WordStats {
    WordStats {
        words: text.split_whitespace().count(),
        chars: text.chars().count(),
        lines: text.lines().count(),
    }
}

/// Divide `a` by `b`.
#[tool(annotations(read_only, idempotent))]
async fn divide(
    /// Dividend.
    a: f64,
    /// Divisor; must not be zero.
    b: f64,
) -> Result<f64, Error> {
    if b == 0.0 {
        return Err(Error::tool("division by zero"));
    }
    Ok(a / b)
}

/// What this server offers.
#[resource("info://about", mime_type = "text/markdown")]
async fn about() -> &'static str {
    "# Quickstart\nTools: add, echo, word_count, divide. Resources: this page, greetings://{name}."
}

/// A greeting for someone.
#[resource("greetings://{name}", mime_type = "text/plain")]
async fn greeting(
    /// Who to greet.
    name: String,
) -> String {
    format!("Hello, {name}!")
}

/// Ask the model to explain a piece of code.
#[prompt]
fn explain_code(
    /// The code to explain.
    code: String,
    /// Language of the code.
    language: Option<String>,
) -> String {
    match language {
        Some(lang) => format!("Explain this {lang} code:\n\n{code}"),
        None => format!("Explain this code:\n\n{code}"),
    }
}

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    Server::from_registry().run().await
}
