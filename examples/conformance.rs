//! The fixture server for the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`, 0.1.16 and 0.2.0-alpha.12): every tool, resource
//! and prompt the suite calls, on one Streamable HTTP endpoint serving both protocol eras.
//!
//! ```text
//! cargo run --release --example conformance -- --port 3000   # http://127.0.0.1:3000/mcp
//! bash .ci/conformance                                       # the four CI runs
//! ```
//!
//! Written like any user server: the same handlers answer the session era (server-to-client
//! requests on the POST's SSE stream) and 2026-07-28 (`input_required` rounds).
//! It also serves the suite's skill (`examples/skills/pdf-processing`, embedded and
//! checked at compile time) for the three `sep-2640-skills-*` scenarios.
//! `test_simple_text` must stay the first tool: tools are listed in file then line order,
//! and `http-header-validation` calls `tools[0]` without arguments.

use std::time::Duration;

use mcpserve::prelude::*;
use mcpserve::skills::Skills;
use mcpserve::HttpConfig;

/// The suite's 1x1 PNG, base64 (tool and prompt content carry base64).
const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// The same PNG as bytes, for the binary resource (`Blob` encodes it).
const PNG_BYTES: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xfc, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x05, 0x02, 0x00, 0x5f, 0xc8, 0xf1, 0xd2, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];
/// The suite's tiny WAV, base64.
const WAV_BASE64: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

// ---------------------------------------------------------------------------------------
// Content tools (both eras)

/// Returns a simple text response.
#[tool]
fn test_simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Returns an image.
#[tool]
fn test_image_content() -> Content {
    Content::image(PNG_BASE64, "image/png")
}

/// Returns an audio clip.
#[tool]
fn test_audio_content() -> Content {
    Content::audio(WAV_BASE64, "audio/wav")
}

/// Returns an embedded resource.
#[tool]
fn test_embedded_resource() -> Content {
    Content::embedded_text(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    )
}

/// Returns text, an image and an embedded resource.
#[tool]
fn test_multiple_content_types() -> Vec<Content> {
    vec![
        Content::text("Multiple content types test:"),
        Content::image(PNG_BASE64, "image/png"),
        Content::embedded_text(
            "test://mixed-content-resource",
            "application/json",
            r#"{"test":"data","value":123}"#,
        ),
    ]
}

/// Sends three log messages while it runs.
#[tool]
async fn test_tool_with_logging(ctx: Context) -> &'static str {
    for (i, step) in [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ctx.log(LoggingLevel::Info, step).await;
    }
    "Tool with logging executed successfully"
}

/// Reports progress 0, 50 and 100 of 100.
#[tool]
async fn test_tool_with_progress(ctx: Context) -> &'static str {
    for (i, step) in [0u32, 50, 100].into_iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ctx.progress(step, Some(100u32), None).await;
    }
    "Progress tool completed"
}

/// Always fails, as a tool error the model sees.
#[tool]
fn test_error_handling() -> Result<String, Error> {
    Err(Error::tool(
        "This tool intentionally returns an error for testing",
    ))
}

/// Asks the client's model to answer a prompt.
#[tool]
async fn test_sampling(
    /// The prompt to send.
    prompt: String,
    ctx: Context,
) -> Result<String, Error> {
    let answer = ctx
        .sample(prompt, SamplingOptions::default().max_tokens(100))
        .await?;
    Ok(format!("LLM response: {}", answer.text()))
}

/// The user's details.
#[derive(Deserialize, Serialize, Elicit)]
struct UserDetails {
    /// User's response
    username: String,
    /// User's email address
    email: String,
}

/// Asks the user for their details.
#[tool]
async fn test_elicitation(
    /// The message to show the user.
    message: String,
    ctx: Context,
) -> Result<String, Error> {
    let (action, content) = match ctx.elicit::<UserDetails>(message).await? {
        Elicitation::Accepted(details) => ("accept", serde_json::to_string(&details)?),
        Elicitation::Declined => ("decline", "null".to_owned()),
        Elicitation::Cancelled => ("cancel", "null".to_owned()),
    };
    Ok(format!("User response: action={action}, content={content}"))
}

/// Account status.
#[derive(Deserialize, Serialize, Elicit)]
#[serde(rename_all = "lowercase")]
enum Status {
    Active,
    Inactive,
    Pending,
}

/// A form whose every field has a default (SEP-1034).
#[derive(Deserialize, Serialize, Elicit)]
struct WithDefaults {
    /// Your name.
    #[elicit(default = "John Doe")]
    name: String,
    /// Your age.
    #[elicit(default = 30)]
    age: i64,
    /// Your score.
    #[elicit(default = 95.5)]
    score: f64,
    /// Your status.
    #[elicit(default = "active")]
    status: Status,
    /// Verified?
    #[elicit(default = true)]
    verified: bool,
}

/// Elicitation with default values.
#[tool]
async fn test_elicitation_sep1034_defaults(ctx: Context) -> Result<String, Error> {
    let answer = ctx
        .elicit::<WithDefaults>("Please review and update the form fields with defaults")
        .await?
        .required()?;
    Ok(format!(
        "Elicitation completed: {}",
        serde_json::to_string(&answer)?
    ))
}

/// Untitled options.
#[derive(Deserialize, Serialize, Elicit)]
#[serde(rename_all = "lowercase")]
enum Untitled {
    Option1,
    Option2,
    Option3,
}

/// Titled options.
#[derive(Deserialize, Serialize, Elicit)]
#[serde(rename_all = "lowercase")]
enum Titled {
    #[elicit(title = "First Option")]
    Value1,
    #[elicit(title = "Second Option")]
    Value2,
    #[elicit(title = "Third Option")]
    Value3,
}

/// Options shown with the legacy `enumNames`.
#[derive(Deserialize, Serialize, Elicit)]
#[serde(rename_all = "lowercase")]
enum Legacy {
    #[elicit(title = "Option One")]
    Opt1,
    #[elicit(title = "Option Two")]
    Opt2,
    #[elicit(title = "Option Three")]
    Opt3,
}

/// Every enum shape of SEP-1330.
#[derive(Deserialize, Serialize, Elicit)]
#[serde(rename_all = "camelCase")]
struct Enums {
    /// Pick one.
    untitled_single: Untitled,
    /// Pick one.
    titled_single: Titled,
    /// Pick one.
    #[elicit(enum_names)]
    legacy_enum: Legacy,
    /// Pick any.
    untitled_multi: Vec<Untitled>,
    /// Pick any.
    titled_multi: Vec<Titled>,
}

/// Elicitation with every enum shape.
#[tool]
async fn test_elicitation_sep1330_enums(ctx: Context) -> Result<String, Error> {
    let answer = ctx
        .elicit::<Enums>("Please select options from the enum fields")
        .await?
        .required()?;
    Ok(format!(
        "Elicitation completed: {}",
        serde_json::to_string(&answer)?
    ))
}

/// A postal address.
#[derive(Deserialize, Serialize)]
struct Address {
    street: Option<String>,
    city: Option<String>,
}

/// How to reach someone; the JSON Schema below says which fields go together.
#[derive(Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct Contact {
    name: Option<String>,
    address: Option<Address>,
    contact_method: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

/// A hand-written JSON Schema 2020-12 (`$defs`, `$anchor`, composition, conditionals)
/// published as is; the server validates arguments against it before the call.
#[tool(
    description = "Tool with JSON Schema 2020-12 features",
    input_schema = r##"{
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {
            "address": {
                "$anchor": "addressDef",
                "type": "object",
                "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
            }
        },
        "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" },
            "contactMethod": { "type": "string", "enum": ["phone", "email"] },
            "phone": { "type": "string" },
            "email": { "type": "string" }
        },
        "allOf": [{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }],
        "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
        "then": { "required": ["phone"] },
        "else": { "required": ["email"] },
        "additionalProperties": false
    }"##
)]
fn json_schema_2020_12_tool(#[arg(flatten)] contact: Contact) -> Result<String, Error> {
    Ok(format!("Received: {}", serde_json::to_string(&contact)?))
}

/// Closes the SSE stream, then answers: the client resumes with `Last-Event-ID`.
#[tool]
async fn test_reconnection(ctx: Context) -> &'static str {
    ctx.close_stream();
    tokio::time::sleep(Duration::from_millis(100)).await;
    "Reconnection test completed successfully"
}

// ---------------------------------------------------------------------------------------
// 2026-07-28 diagnostics (SEP-2575, SEP-2243)

/// Needs the client's sampling capability.
#[tool]
fn test_missing_capability(ctx: Context) -> Result<&'static str, Error> {
    if !ctx.client_supports("sampling") {
        return Err(Error::missing_capability("sampling"));
    }
    Ok("The client declared sampling")
}

/// Asks the user for input while streaming (an `input_required` result in 2026).
#[tool]
async fn test_streaming_elicitation(ctx: Context) -> Result<String, Error> {
    #[derive(Deserialize, Elicit)]
    struct Answer {
        answer: String,
    }
    let answer = ctx.elicit::<Answer>("Please answer").await?.required()?;
    Ok(format!("You said: {}", answer.answer))
}

/// Logs a message, which only reaches clients that asked for a log level.
#[tool]
async fn test_logging_tool(ctx: Context) -> &'static str {
    ctx.log(LoggingLevel::Info, "test_logging_tool ran").await;
    "Logging tool executed"
}

/// Announces that the tool list changed.
#[tool]
fn test_trigger_tool_change(ctx: Context) -> &'static str {
    ctx.server().tools_changed();
    "Tool list change announced"
}

/// Announces that the prompt list changed.
#[tool]
fn test_trigger_prompt_change(ctx: Context) -> &'static str {
    ctx.server().prompts_changed();
    "Prompt list change announced"
}

/// Echoes a region that is mirrored in the `Mcp-Param-Region` header.
#[tool]
fn test_custom_header(
    /// The region.
    #[arg(header = "Region")]
    region: String,
) -> String {
    format!("Region: {region}")
}

// ---------------------------------------------------------------------------------------
// Multi-round-trip requests (SEP-2322): the same asks as in the session era.

/// A name.
#[derive(Deserialize, Elicit)]
struct Name {
    name: String,
}

/// Asks the user's name.
#[tool]
async fn test_input_required_result_elicitation(ctx: Context) -> Result<String, Error> {
    let Name { name } = ctx
        .elicit::<Name>("What is your name?")
        .key("user_name")
        .await?
        .required()?;
    Ok(format!("Hello, {name}!"))
}

/// Asks the client's model a question.
#[tool]
async fn test_input_required_result_sampling(ctx: Context) -> Result<String, Error> {
    let answer = ctx
        .sample(
            "What is the capital of France?",
            SamplingOptions::default().max_tokens(100),
        )
        .key("sample_request")
        .await?;
    Ok(format!("The model said: {}", answer.text()))
}

/// Asks the client for its roots.
#[tool]
async fn test_input_required_result_list_roots(ctx: Context) -> Result<String, Error> {
    let roots = ctx.roots().key("roots_request").await?;
    let uris: Vec<&str> = roots.iter().map(|r| r.uri.as_str()).collect();
    Ok(format!("Client roots: {}", uris.join(", ")))
}

/// A confirmation.
#[derive(Deserialize, Elicit)]
struct Confirmation {
    ok: bool,
}

/// Asks for confirmation; the answer travels back in `requestState`.
#[tool]
async fn test_input_required_result_request_state(ctx: Context) -> Result<String, Error> {
    let Confirmation { ok } = ctx
        .elicit::<Confirmation>("Please confirm")
        .key("confirm")
        .await?
        .required()?;
    Ok(format!("state-ok: confirmed={ok}"))
}

/// Asks for a name, a greeting and the roots at once.
#[tool]
async fn test_input_required_result_multiple_inputs(ctx: Context) -> Result<String, Error> {
    let name = ctx.elicit::<Name>("What is your name?").key("user_name");
    let greeting = ctx
        .sample(
            "Generate a greeting",
            SamplingOptions::default().max_tokens(50),
        )
        .key("greeting");
    let roots = ctx.roots().key("client_roots");
    let (name, greeting, roots) = tokio::join!(name, greeting, roots);
    let Name { name } = name?.required()?;
    Ok(format!(
        "{} {name} ({} roots)",
        greeting?.text(),
        roots?.len()
    ))
}

/// A colour.
#[derive(Deserialize, Elicit)]
struct Color {
    color: String,
}

/// Asks two questions, one round each.
#[tool]
async fn test_input_required_result_multi_round(ctx: Context) -> Result<String, Error> {
    let Name { name } = ctx
        .elicit::<Name>("Step 1: What is your name?")
        .key("step1")
        .await?
        .required()?;
    let Color { color } = ctx
        .elicit::<Color>("Step 2: What is your favorite color?")
        .key("step2")
        .await?
        .required()?;
    Ok(format!("{name} likes {color}"))
}

/// Asks for confirmation; a tampered `requestState` is rejected.
#[tool]
async fn test_input_required_result_tampered_state(ctx: Context) -> Result<String, Error> {
    let Confirmation { ok } = ctx
        .elicit::<Confirmation>("Please confirm")
        .key("confirm")
        .await?
        .required()?;
    Ok(format!("confirmed={ok}"))
}

/// Asks only for what the client can answer.
#[tool]
async fn test_input_required_result_capabilities(ctx: Context) -> Result<String, Error> {
    if ctx.client_supports("elicitation") {
        let Name { name } = ctx
            .elicit::<Name>("What is your name?")
            .key("user_name")
            .await?
            .required()?;
        return Ok(format!("Hello, {name}!"));
    }
    let answer = ctx
        .sample(
            "What is the capital of France?",
            SamplingOptions::default().max_tokens(100),
        )
        .key("sample_request")
        .await?;
    Ok(format!("The model said: {}", answer.text()))
}

// ---------------------------------------------------------------------------------------
// Resources

/// A static text resource.
#[resource("test://static-text", mime_type = "text/plain")]
fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource.
#[resource("test://static-binary", mime_type = "image/png")]
fn static_binary() -> Blob {
    Blob::new(PNG_BYTES)
}

/// A resource clients can subscribe to.
#[resource("test://watched-resource", mime_type = "text/plain")]
fn watched_resource() -> &'static str {
    "Watched resource content."
}

/// A templated JSON resource.
#[resource("test://template/{id}/data", mime_type = "application/json")]
fn template_data(
    /// The item id.
    id: String,
) -> Text {
    let data = serde_json::json!({
        "id": id,
        "templateTest": true,
        "data": format!("Data for ID: {id}"),
    });
    Text::new(data.to_string())
}

// ---------------------------------------------------------------------------------------
// Prompts

/// A simple prompt without arguments.
#[prompt]
fn test_simple_prompt() -> &'static str {
    "This is a simple prompt for testing."
}

/// Completes nothing: the suite only checks that `completion/complete` answers.
fn no_completions(_partial: &str) -> Vec<String> {
    Vec::new()
}

/// A prompt with two arguments.
#[prompt]
fn test_prompt_with_arguments(
    /// First argument.
    #[arg(complete = no_completions)]
    arg1: String,
    /// Second argument.
    arg2: String,
) -> String {
    format!("Prompt with arguments: arg1='{arg1}', arg2='{arg2}'")
}

/// A prompt embedding a resource.
#[prompt]
fn test_prompt_with_embedded_resource(
    /// The URI of the resource to embed.
    #[arg(rename = "resourceUri")]
    resource_uri: String,
) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::embedded_text(
            resource_uri,
            "text/plain",
            "Embedded resource content for testing.",
        )),
        PromptMessage::user("Please process the embedded resource above."),
    ]
}

/// A prompt with an image.
#[prompt]
fn test_prompt_with_image() -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(Content::image(PNG_BASE64, "image/png")),
        PromptMessage::user("Please analyze the image above."),
    ]
}

/// The context a prompt asks for.
#[derive(Deserialize, Elicit)]
struct PromptContext {
    context: String,
}

/// A prompt that asks the user for context first.
#[prompt]
async fn test_input_required_result_prompt(ctx: Context) -> Result<String, Error> {
    let PromptContext { context } = ctx
        .elicit::<PromptContext>("What context should the prompt use?")
        .key("user_context")
        .await?
        .required()?;
    Ok(format!("Use this context: {context}"))
}

// ---------------------------------------------------------------------------------------
// Tasks (2025-11-25 core tasks, and the 2026-07-28 `io.modelcontextprotocol/tasks`
// extension): the same handlers answer plain calls, task-augmented session-era calls and
// server-directed 2026 tasks.

/// Greets someone (never a task).
#[tool]
fn greet(
    /// Who to greet.
    name: String,
) -> String {
    format!("Hello, {name}!")
}

/// Computes for `seconds` seconds; stops early when cancelled.
#[tool(task = "optional")]
async fn slow_compute(
    /// How long the computation takes.
    seconds: f64,
    /// A label echoed in the result.
    label: String,
    ctx: Context,
) -> Result<String, Error> {
    let wait = Duration::from_secs_f64(seconds.clamp(0.0, 3600.0));
    tokio::select! {
        _ = tokio::time::sleep(wait) => Ok(format!("Computed {label} in {seconds}s")),
        _ = ctx.cancelled() => Err(Error::tool("cancelled")),
    }
}

/// A job that fails after a second (a tool error; only runs as a task).
#[tool(task = "required")]
async fn failing_job() -> Result<String, Error> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    Err(Error::tool("The job failed: the input was invalid"))
}

/// A job that crashes: as a task it ends `failed` with a JSON-RPC error (-32603).
#[tool(task = "optional")]
async fn protocol_error_job() -> String {
    tokio::time::sleep(Duration::from_millis(100)).await;
    panic!("the job hit an internal error")
}

/// The user's confirmation.
#[derive(Deserialize, Elicit)]
struct Confirm {
    /// Go ahead?
    confirm: bool,
}

/// Deletes a file once the user confirms (asked while the task runs).
#[tool(task = "optional", annotations(destructive))]
async fn confirm_delete(
    /// The file to delete.
    filename: String,
    ctx: Context,
) -> Result<String, Error> {
    // The file is looked up first, so the question comes once the task runs.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let Confirm { confirm } = ctx
        .elicit::<Confirm>(format!("Delete {filename}?"))
        .await?
        .required()?;
    Ok(if confirm {
        format!("Deleted {filename}")
    } else {
        format!("Kept {filename}")
    })
}

/// Asks two questions at once while the task runs.
#[tool(task = "optional")]
async fn multi_input(ctx: Context) -> Result<String, Error> {
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (name, confirm) = tokio::join!(
        ctx.elicit::<Name>("What is your name?"),
        ctx.elicit::<Confirm>("Proceed?"),
    );
    let Name { name } = name?.required()?;
    let Confirm { confirm } = confirm?.required()?;
    Ok(format!("{name} answered; proceed: {confirm}"))
}

/// Asks the user's name first (synchronously), then works on it as a task.
#[tool(task = "required")]
async fn test_tool_with_task(ctx: Context) -> Result<String, Error> {
    let Name { name } = ctx
        .elicit::<Name>("What is your name?")
        .key("user_name")
        .await?
        .required()?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(format!("Hello, {name}! Your task is done."))
}

// ---------------------------------------------------------------------------------------

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let mut port = 3000u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().and_then(|p| p.parse().ok())) {
            ("--port", Some(p)) => port = p,
            _ => {
                eprintln!("usage: conformance [--port PORT]");
                std::process::exit(2);
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}/mcp", listener.local_addr()?);
    Server::from_registry()
        .name("mcpserve-conformance")
        .skills(Skills::embed(include_skills!("examples/skills")))
        .serve_http_on(listener, HttpConfig::default(), std::future::pending())
        .await
}
