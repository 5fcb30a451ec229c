//! `#[derive(Elicit)]` schemas (the exact shapes of SEP-1034 defaults and SEP-1330
//! enums) and URL-mode elicitation over the wire.

use mcpserve::prelude::*;
use mcpserve::testing::TestClient;
use serde_json::{json, Value};

#[derive(Deserialize, Elicit)]
#[serde(rename_all = "lowercase")]
enum Status {
    Active,
    Inactive,
    Pending,
}

#[derive(Deserialize, Elicit)]
#[allow(clippy::enum_variant_names)]
enum Untitled {
    #[serde(rename = "option1")]
    Option1,
    #[serde(rename = "option2")]
    Option2,
    #[serde(rename = "option3")]
    Option3,
}

#[derive(Deserialize, Elicit)]
enum Titled {
    #[serde(rename = "value1")]
    #[elicit(title = "First Option")]
    One,
    #[serde(rename = "value2")]
    #[elicit(title = "Second Option")]
    Two,
}

#[derive(Deserialize, Elicit)]
enum Legacy {
    #[serde(rename = "opt1")]
    #[elicit(title = "Option One")]
    One,
    #[serde(rename = "opt2")]
    #[elicit(title = "Option Two")]
    Two,
}

#[derive(Deserialize, Elicit)]
#[allow(dead_code)]
struct Defaults {
    #[elicit(default = "John Doe")]
    name: String,
    #[elicit(default = 30)]
    age: i64,
    #[elicit(default = 95.5)]
    score: f64,
    #[elicit(default = "active")]
    status: Status,
    #[elicit(default = true)]
    verified: bool,
}

#[derive(Deserialize, Elicit)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Enums {
    untitled_single: Untitled,
    titled_single: Titled,
    #[elicit(enum_names)]
    legacy_enum: Legacy,
    untitled_multi: Vec<Untitled>,
    titled_multi: Vec<Titled>,
}

#[derive(Deserialize, Elicit)]
#[allow(dead_code)]
struct Contact {
    /// Where we write to.
    #[elicit(format = "email", title = "E-mail")]
    email: String,
    #[elicit(format = "date")]
    birthday: Option<String>,
    #[elicit(minimum = 1, maximum = 10)]
    rating: Option<u8>,
    #[elicit(min_length = 2, max_length = 20)]
    #[schemars(description = "Your nickname")]
    nick: String,
    #[serde(skip)]
    #[allow(dead_code)]
    internal: u32,
}

#[test]
fn sep1034_defaults() {
    assert_eq!(
        Defaults::requested_schema(),
        json!({
            "type": "object",
            "properties": {
                "name": { "type": "string", "default": "John Doe" },
                "age": { "type": "integer", "default": 30 },
                "score": { "type": "number", "default": 95.5 },
                "status": { "type": "string", "enum": ["active", "inactive", "pending"], "default": "active" },
                "verified": { "type": "boolean", "default": true }
            },
            "required": ["name", "age", "score", "status", "verified"]
        })
    );
}

#[test]
fn sep1330_enum_shapes() {
    assert_eq!(
        Enums::requested_schema(),
        json!({
            "type": "object",
            "properties": {
                "untitledSingle": { "type": "string", "enum": ["option1", "option2", "option3"] },
                "titledSingle": { "type": "string", "oneOf": [{ "const": "value1", "title": "First Option" }, { "const": "value2", "title": "Second Option" }] },
                "legacyEnum": { "type": "string", "enum": ["opt1", "opt2"], "enumNames": ["Option One", "Option Two"] },
                "untitledMulti": { "type": "array", "items": { "type": "string", "enum": ["option1", "option2", "option3"] } },
                "titledMulti": { "type": "array", "items": { "anyOf": [{ "const": "value1", "title": "First Option" }, { "const": "value2", "title": "Second Option" }] } }
            },
            "required": ["untitledSingle", "titledSingle", "legacyEnum", "untitledMulti", "titledMulti"]
        })
    );
}

#[test]
fn formats_ranges_and_descriptions() {
    assert_eq!(
        Contact::requested_schema(),
        json!({
            "type": "object",
            "properties": {
                "email": { "type": "string", "format": "email", "title": "E-mail", "description": "Where we write to." },
                "birthday": { "type": "string", "format": "date" },
                "rating": { "type": "integer", "minimum": 1.0, "maximum": 10.0 },
                "nick": { "type": "string", "minLength": 2, "maxLength": 20, "description": "Your nickname" }
            },
            "required": ["email", "nick"]
        })
    );
}

/// Opens a sign-in page.
#[tool]
async fn sign_in(ctx: Context) -> Result<String, Error> {
    match ctx
        .elicit_url("https://example.com/login", "Please sign in")
        .key("login")
        .await?
    {
        Elicitation::Accepted(consent) => {
            consent.complete().await;
            Ok("signed in".into())
        }
        Elicitation::Declined => Ok("declined".into()),
        Elicitation::Cancelled => Ok("cancelled".into()),
    }
}

#[derive(Deserialize, Elicit)]
struct Pick {
    status: Status,
}

/// Picks a status.
#[tool]
async fn pick(ctx: Context) -> Result<String, Error> {
    let pick = ctx.elicit::<Pick>("Pick one").await?.required()?;
    Ok(match pick.status {
        Status::Active => "active",
        Status::Inactive => "inactive",
        Status::Pending => "pending",
    }
    .into())
}

fn drain(client: &TestClient) -> Vec<Value> {
    std::iter::from_fn(|| client.try_next_notification()).collect()
}

#[tokio::test]
async fn url_mode_in_the_session_era_completes_with_a_notification() {
    let client = TestClient::session_with(
        Server::from_registry(),
        json!({ "elicitation": { "url": {} } }),
    )
    .await
    .unwrap();
    client.on_request(|_, _| Ok(json!({ "action": "accept" })));
    let result = client.call_tool_raw("sign_in", json!({})).await.unwrap();
    assert_eq!(
        result,
        json!({ "content": [{ "type": "text", "text": "signed in" }] })
    );
    let seen = drain(&client);
    assert_eq!(seen.len(), 2, "{seen:?}");
    let id = seen[0]["params"]["elicitationId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        seen,
        vec![
            json!({ "jsonrpc": "2.0", "id": 0, "method": "elicitation/create", "params": { "mode": "url", "message": "Please sign in", "url": "https://example.com/login", "elicitationId": id } }),
            json!({ "jsonrpc": "2.0", "method": "notifications/elicitation/complete", "params": { "elicitationId": id } }),
        ]
    );
    // The form mode was not declared: a clear error, no request.
    let result = client.call_tool_raw("pick", json!({})).await.unwrap();
    assert_eq!(
        result,
        json!({ "content": [{ "type": "text", "text": "Missing required client capability: elicitation" }], "isError": true })
    );
}

#[tokio::test]
async fn url_mode_in_the_2026_era_is_an_input_request() {
    let client = TestClient::sessionless_with(
        Server::from_registry(),
        json!({ "elicitation": { "form": {}, "url": {} } }),
    );
    let r1 = client.call_tool_raw("sign_in", json!({})).await.unwrap();
    assert_eq!(
        r1["inputRequests"],
        json!({ "login": { "method": "elicitation/create", "params": { "mode": "url", "message": "Please sign in", "url": "https://example.com/login" } } })
    );
    let r2 = client
        .retry(
            "tools/call",
            json!({ "name": "sign_in", "arguments": {} }),
            &r1,
            json!({ "login": { "action": "decline" } }),
        )
        .await
        .unwrap();
    assert_eq!(
        r2,
        json!({ "resultType": "complete", "content": [{ "type": "text", "text": "declined" }] })
    );
    // Form-only clients (`elicitation: {}`) cannot be sent URL requests.
    let form_only =
        TestClient::sessionless_with(Server::from_registry(), json!({ "elicitation": {} }));
    let e = match form_only.call_tool_raw("sign_in", json!({})).await {
        Err(mcpserve::testing::ClientError::Rpc(e)) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        serde_json::to_value(e).unwrap(),
        json!({ "code": -32021, "message": "Missing required client capability: elicitation", "data": { "requiredCapabilities": { "elicitation": { "url": {} } } } })
    );
}

#[tokio::test]
async fn answers_are_decoded_into_the_form_type() {
    let client = TestClient::session_with(Server::from_registry(), json!({ "elicitation": {} }))
        .await
        .unwrap();
    client.on_request(|_, _| Ok(json!({ "action": "accept", "content": { "status": "pending" } })));
    let r = client.call_tool_raw("pick", json!({})).await.unwrap();
    assert_eq!(r["content"][0]["text"], "pending");
    client.on_request(|_, _| Ok(json!({ "action": "accept", "content": { "status": "bogus" } })));
    let r = client.call_tool_raw("pick", json!({})).await.unwrap();
    assert_eq!(r["isError"], true);
    assert!(r["content"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with("The user's answer does not fit the form: unknown variant `bogus`"));
    client.on_request(|_, _| Ok(json!({ "action": "cancel" })));
    let r = client.call_tool_raw("pick", json!({})).await.unwrap();
    assert_eq!(
        r,
        json!({ "content": [{ "type": "text", "text": "The user cancelled the request" }], "isError": true })
    );
}

#[derive(Deserialize, Elicit)]
struct Name {
    name: String,
}

/// Asks a name and counts the progress the client reports while it answers.
#[tool]
async fn patient(ctx: Context) -> Result<String, Error> {
    let reports = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = reports.clone();
    let answer = ctx
        .elicit::<Name>("Name?")
        .on_progress(move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })
        .await?
        .required()?;
    let heard = reports.load(std::sync::atomic::Ordering::Relaxed);
    Ok(format!("{} after {heard} reports", answer.name))
}

/// A session-era client over an in-memory pipe that answers `patient`'s question after
/// `answer_after`, reporting progress on it every `every` meanwhile (when given); returns
/// what the server wrote after the question, up to the `tools/call` response. The server
/// waits `timeout` for answers.
async fn answer_patiently(
    timeout: std::time::Duration,
    every: Option<std::time::Duration>,
    answer_after: std::time::Duration,
) -> Vec<Value> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let server = Server::from_registry()
        .configure(|c| c.client_request_timeout = timeout)
        .build()
        .unwrap();
    let (client, server_io) = tokio::io::duplex(1 << 16);
    let (server_read, server_write) = tokio::io::split(server_io);
    tokio::spawn(server.serve_io(server_read, server_write));
    let (read, mut write) = tokio::io::split(client);
    let mut lines = BufReader::new(read).lines();
    let send = |v: Value| format!("{v}\n");
    for message in [
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "protocolVersion": "2025-11-25", "capabilities": { "elicitation": {} }, "clientInfo": { "name": "t", "version": "1" } } }),
        json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }),
        json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": { "name": "patient", "arguments": {} } }),
    ] {
        write.write_all(send(message).as_bytes()).await.unwrap();
    }
    let line = lines.next_line().await.unwrap().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&line).unwrap()["id"],
        json!(1)
    );
    let question: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(
        question["method"],
        json!("elicitation/create"),
        "{question}"
    );
    let id = question["id"].clone();
    // The question carries its own id as the token the client reports progress with.
    assert_eq!(question["params"]["_meta"], json!({ "progressToken": id }));
    let start = tokio::time::Instant::now();
    if let Some(every) = every {
        let mut step = 1;
        while start.elapsed() + every < answer_after {
            tokio::time::sleep(every).await;
            let report = json!({ "jsonrpc": "2.0", "method": "notifications/progress", "params": { "progressToken": id, "progress": step } });
            write.write_all(send(report).as_bytes()).await.unwrap();
            step += 1;
        }
    }
    tokio::time::sleep_until(start + answer_after).await;
    let answer = json!({ "jsonrpc": "2.0", "id": id, "result": { "action": "accept", "content": { "name": "Ada" } } });
    write.write_all(send(answer).as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let message: Value = serde_json::from_str(&line).unwrap();
        let done = message["id"] == json!(2);
        seen.push(message);
        if done {
            break;
        }
    }
    seen
}

/// Each progress report the client sends on the question restarts the wait for its
/// answer: the timeout bounds the client's silence, not how long it works. Without
/// reports, the same late answer comes after the timeout.
#[tokio::test]
async fn client_progress_on_a_question_keeps_the_server_waiting() {
    use std::time::Duration;
    let (reporting, silent) = tokio::join!(
        answer_patiently(
            Duration::from_secs(2),
            Some(Duration::from_millis(500)),
            Duration::from_millis(3500)
        ),
        answer_patiently(Duration::from_secs(2), None, Duration::from_millis(3500)),
    );
    assert_eq!(
        reporting,
        vec![
            json!({ "jsonrpc": "2.0", "id": 2, "result": { "content": [{ "type": "text", "text": "Ada after 6 reports" }] } })
        ]
    );
    assert_eq!(
        silent,
        vec![
            json!({ "jsonrpc": "2.0", "method": "notifications/cancelled", "params": { "requestId": 0, "reason": "timed out" } }),
            json!({ "jsonrpc": "2.0", "id": 2, "result": { "content": [{ "type": "text", "text": "The client did not answer `elicitation/create` within 2s" }], "isError": true } }),
        ]
    );
}
