//! Prompts and resource reads that ask the client for input: server-to-client requests
//! in the session era, `input_required` rounds with a sealed `requestState` in 2026,
//! exactly as tools do (the conformance suite's `input-required-result-non-tool-request`).

use mcpserve::prelude::*;
use mcpserve::testing::{ClientError, TestClient};
use serde_json::{json, Value};

#[derive(Deserialize, Elicit)]
struct PromptContext {
    context: String,
}

/// A prompt that asks the user for context first.
#[prompt]
async fn contextual(ctx: Context) -> Result<String, Error> {
    let PromptContext { context } = ctx
        .elicit::<PromptContext>("What context should the prompt use?")
        .key("user_context")
        .await?
        .required()?;
    Ok(format!("Use this context: {context}"))
}

#[derive(Deserialize, Elicit)]
struct Passphrase {
    passphrase: String,
}

/// A resource that is only readable after the user types a passphrase.
#[resource("secret://vault", mime_type = "text/plain")]
async fn vault(ctx: Context) -> Result<String, Error> {
    let Passphrase { passphrase } = ctx.elicit::<Passphrase>("Passphrase?").await?.required()?;
    Ok(format!("opened with {passphrase}"))
}

fn server() -> mcpserve::ServerBuilder {
    Server::from_registry()
        .name("input-content")
        .version("1.0.0")
}

fn caps() -> Value {
    json!({ "elicitation": {} })
}

fn answer(_method: &str, params: &Value) -> Result<Value, mcpserve::protocol::ErrorObject> {
    Ok(match params["message"].as_str() {
        Some("Passphrase?") => json!({ "action": "accept", "content": { "passphrase": "sesame" } }),
        _ => json!({ "action": "accept", "content": { "context": "test context" } }),
    })
}

fn context_request() -> Value {
    json!({
        "method": "elicitation/create",
        "params": {
            "mode": "form",
            "message": "What context should the prompt use?",
            "requestedSchema": { "type": "object", "properties": { "context": { "type": "string" } }, "required": ["context"] }
        }
    })
}

fn passphrase_request() -> Value {
    json!({
        "method": "elicitation/create",
        "params": {
            "mode": "form",
            "message": "Passphrase?",
            "requestedSchema": { "type": "object", "properties": { "passphrase": { "type": "string" } }, "required": ["passphrase"] }
        }
    })
}

/// The prompt's doc comment, which describes a rendering that has no description.
const PROMPT_DESCRIPTION: &str = "A prompt that asks the user for context first.";

fn prompt_messages() -> Value {
    json!([{ "role": "user", "content": { "type": "text", "text": "Use this context: test context" } }])
}

fn rpc_error(r: Result<Value, ClientError>) -> mcpserve::protocol::ErrorObject {
    match r {
        Err(ClientError::Rpc(e)) => e,
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

#[tokio::test]
async fn prompt_asks_with_a_server_request_in_the_session_era() {
    let client = TestClient::session_with(server(), caps()).await.unwrap();
    client.on_request(answer);
    let result = client
        .request("prompts/get", json!({ "name": "contextual" }))
        .await
        .unwrap();
    assert_eq!(
        result,
        json!({ "description": PROMPT_DESCRIPTION, "messages": prompt_messages() })
    );
    let mut request = client.try_next_notification().unwrap();
    assert_eq!(request["method"], "elicitation/create");
    request.as_object_mut().unwrap().remove("id");
    assert_eq!(
        request,
        json!({ "jsonrpc": "2.0", "method": "elicitation/create", "params": context_request()["params"] })
    );
}

#[tokio::test]
async fn prompt_answers_input_required_then_completes_in_2026() {
    let client = TestClient::sessionless_with(server(), caps());
    let get = json!({ "name": "contextual" });
    let r1 = client.request("prompts/get", get.clone()).await.unwrap();
    let state = r1["requestState"]
        .as_str()
        .expect("a requestState")
        .to_owned();
    assert_eq!(
        r1,
        json!({ "resultType": "input_required", "inputRequests": { "user_context": context_request() }, "requestState": state })
    );
    let r2 = client
        .retry(
            "prompts/get",
            get.clone(),
            &r1,
            json!({ "user_context": { "action": "accept", "content": { "context": "test context" } } }),
        )
        .await
        .unwrap();
    assert_eq!(
        r2,
        json!({
            "resultType": "complete",
            "description": PROMPT_DESCRIPTION,
            "messages": prompt_messages()
        })
    );
    // Without elicitation the prompt cannot ask: -32021 naming the capability.
    let bare = TestClient::sessionless(server());
    let e = rpc_error(bare.request("prompts/get", get).await);
    assert_eq!(
        (e.code, e.message.as_str(), e.data),
        (
            -32021,
            "Missing required client capability: elicitation",
            Some(json!({ "requiredCapabilities": { "elicitation": {} } }))
        )
    );
}

#[tokio::test]
async fn prompt_request_state_is_bound_and_sealed() {
    let client = TestClient::sessionless_with(server(), caps());
    let get = json!({ "name": "contextual" });
    let r1 = client.request("prompts/get", get.clone()).await.unwrap();
    let answers = json!({ "user_context": { "action": "accept", "content": { "context": "x" } } });
    let mut tampered = r1.clone();
    tampered["requestState"] = json!(format!("{}-TAMPERED", r1["requestState"].as_str().unwrap()));
    let e = rpc_error(
        client
            .retry("prompts/get", get.clone(), &tampered, answers.clone())
            .await,
    );
    assert_eq!(e.code, -32602);
    assert!(
        e.message.starts_with("Invalid requestState: "),
        "{}",
        e.message
    );
    // A prompt's state cannot be replayed on a resource read.
    let e = rpc_error(
        client
            .retry(
                "resources/read",
                json!({ "uri": "secret://vault" }),
                &r1,
                json!({}),
            )
            .await,
    );
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            -32602,
            "Invalid requestState: it belongs to a different request"
        )
    );
    // A response that is not an object is a protocol error, not an answer.
    let e = rpc_error(
        client
            .retry("prompts/get", get, &r1, json!({ "user_context": 12345 }))
            .await,
    );
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            -32602,
            "Invalid params: inputResponses[\"user_context\"] must be an object (the client's result for that input request)"
        )
    );
}

#[tokio::test]
async fn resource_read_asks_in_both_eras() {
    let session = TestClient::session_with(server(), caps()).await.unwrap();
    session.on_request(answer);
    let read = json!({ "uri": "secret://vault" });
    let contents = json!([{ "uri": "secret://vault", "mimeType": "text/plain", "text": "opened with sesame" }]);
    let result = session
        .request("resources/read", read.clone())
        .await
        .unwrap();
    assert_eq!(result, json!({ "contents": contents }));

    let modern = TestClient::sessionless_with(server(), caps());
    let r1 = modern
        .request("resources/read", read.clone())
        .await
        .unwrap();
    let state = r1["requestState"]
        .as_str()
        .expect("a requestState")
        .to_owned();
    assert_eq!(
        r1,
        json!({ "resultType": "input_required", "inputRequests": { "elicitation_1": passphrase_request() }, "requestState": state })
    );
    let r2 = modern
        .retry(
            "resources/read",
            read,
            &r1,
            json!({ "elicitation_1": { "action": "accept", "content": { "passphrase": "sesame" } } }),
        )
        .await
        .unwrap();
    assert_eq!(r2["resultType"], "complete");
    assert_eq!(r2["contents"], contents);
    assert!(
        r2["ttlMs"].is_u64() && r2["cacheScope"] == "private",
        "{r2}"
    );
}
