//! `requestState` across input rounds (2026-07-28): answers sealed in an earlier round
//! cannot be changed by a later retry, and a state is only good until it expires.

use std::time::Duration;

use mcpserve::prelude::*;
use mcpserve::testing::{ClientError, TestClient};
use serde_json::{json, Value};

#[derive(Deserialize, Elicit)]
struct Name {
    name: String,
}

#[derive(Deserialize, Elicit)]
struct Colour {
    colour: String,
}

/// Three rounds: a name, then a colour, then the answer.
#[tool]
async fn favourite(ctx: Context) -> Result<String, Error> {
    let name = ctx
        .elicit::<Name>("Who?")
        .key("who")
        .await?
        .required()?
        .name;
    let colour = ctx
        .elicit::<Colour>(format!("Favourite colour of {name}?"))
        .key("colour")
        .await?
        .required()?
        .colour;
    Ok(format!("{name} likes {colour}"))
}

fn client(ttl: Duration) -> TestClient {
    TestClient::sessionless_with(
        Server::from_registry().configure(|c| c.request_state_ttl = ttl),
        json!({ "elicitation": {} }),
    )
}

fn accept(field: &str, value: &str) -> Value {
    json!({ "action": "accept", "content": { field: value } })
}

const CALL: fn() -> Value = || json!({ "name": "favourite", "arguments": {} });

/// Rounds 1 and 2: returns the second `input_required` result, whose state seals
/// `who = Alice`.
async fn two_rounds(client: &TestClient) -> Value {
    let r1 = client.request("tools/call", CALL()).await.unwrap();
    assert_eq!(r1["inputRequests"]["who"]["method"], "elicitation/create");
    let r2 = client
        .retry(
            "tools/call",
            CALL(),
            &r1,
            json!({ "who": accept("name", "Alice") }),
        )
        .await
        .unwrap();
    assert_eq!(r2["resultType"], "input_required");
    assert!(r2["inputRequests"]["colour"].is_object(), "{r2}");
    r2
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_sealed_answer_cannot_be_overridden() {
    let client = client(Duration::from_secs(60));
    let r2 = two_rounds(&client).await;
    // Mallory re-sends a different answer for round one along with round two's.
    let err = client
        .retry(
            "tools/call",
            CALL(),
            &r2,
            json!({ "who": accept("name", "Mallory"), "colour": accept("colour", "blue") }),
        )
        .await
        .unwrap_err();
    let ClientError::Rpc(e) = err else {
        panic!("expected a JSON-RPC error, got {err}")
    };
    assert_eq!(e.code, -32602);
    assert_eq!(
        e.message,
        "Invalid params: inputResponses[\"who\"] differs from the answer sealed in requestState (an answer cannot change once given; retry without requestState to start over)"
    );
}

#[tokio::test]
async fn repeating_a_sealed_answer_unchanged_is_fine() {
    let client = client(Duration::from_secs(60));
    let r2 = two_rounds(&client).await;
    let done = client
        .retry(
            "tools/call",
            CALL(),
            &r2,
            json!({ "who": accept("name", "Alice"), "colour": accept("colour", "blue") }),
        )
        .await
        .unwrap();
    assert_eq!(text(&done), "Alice likes blue");
}

/// Replay is allowed within the state's lifetime (the spec's measures bound the window,
/// they do not make a state single-use): the same retry gives the same answer.
#[tokio::test]
async fn a_state_replays_within_its_lifetime_only() {
    let client = client(Duration::from_secs(1));
    let r2 = two_rounds(&client).await;
    let retry = json!({ "colour": accept("colour", "blue") });
    for _ in 0..2 {
        let done = client
            .retry("tools/call", CALL(), &r2, retry.clone())
            .await
            .unwrap();
        assert_eq!(text(&done), "Alice likes blue");
    }
    // Expiry has one-second resolution: past two seconds the state is dead.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let err = client
        .retry("tools/call", CALL(), &r2, retry)
        .await
        .unwrap_err();
    let ClientError::Rpc(e) = err else {
        panic!("expected a JSON-RPC error, got {err}")
    };
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            -32602,
            "Invalid requestState: expired; retry the request without it"
        )
    );
}

#[test]
fn states_expire_after_minutes_by_default() {
    assert_eq!(
        mcpserve::ServerConfig::default().request_state_ttl,
        Duration::from_secs(5 * 60)
    );
}
