//! Structured output whatever the return type: objects as they are, anything else
//! (`Vec<T>`, enums, `Option<T>`, `Json<number>`) as `{"result": value}` matching an
//! `outputSchema` that says so, in both eras; the text copy is the value itself.

use mcpserve::prelude::*;
use mcpserve::testing::TestClient;
use mcpserve::Server;
use serde_json::{json, Value};

#[derive(Serialize, JsonSchema)]
struct Note {
    id: u32,
    title: String,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)] // `Open` only appears in the schema
enum Status {
    Open,
    Done,
}

/// A list.
#[tool]
async fn notes() -> Vec<Note> {
    vec![Note {
        id: 1,
        title: "milk".into(),
    }]
}

/// A list in `Json`, fallible.
#[tool]
fn wrapped_notes(fail: bool) -> Result<Json<Vec<Note>>, Error> {
    if fail {
        return Err(Error::tool("no notes"));
    }
    Ok(Json(vec![]))
}

/// An enum.
#[tool]
fn status() -> Status {
    Status::Done
}

/// A number made structured.
#[tool]
fn count() -> Json<u64> {
    Json(42)
}

/// An optional object.
#[tool]
fn first(any: bool) -> Option<Note> {
    any.then(|| Note {
        id: 2,
        title: "eggs".into(),
    })
}

/// An object: unchanged.
#[tool]
fn note() -> Note {
    Note {
        id: 3,
        title: "tea".into(),
    }
}

/// Plain numbers stay text.
#[tool]
fn plain() -> i64 {
    7
}

async fn call(client: &TestClient, name: &str, args: Value) -> Value {
    client
        .request("tools/call", json!({ "name": name, "arguments": args }))
        .await
        .unwrap()
}

#[tokio::test]
async fn non_object_results_are_wrapped_as_result() {
    let client = TestClient::session(Server::from_registry()).await.unwrap();
    assert_eq!(
        call(&client, "notes", json!({})).await,
        json!({
            "content": [{ "type": "text", "text": r#"[{"id":1,"title":"milk"}]"# }],
            "structuredContent": { "result": [{ "id": 1, "title": "milk" }] }
        })
    );
    assert_eq!(
        call(&client, "wrapped_notes", json!({ "fail": false })).await,
        json!({
            "content": [{ "type": "text", "text": "[]" }],
            "structuredContent": { "result": [] }
        })
    );
    assert_eq!(
        call(&client, "wrapped_notes", json!({ "fail": true })).await,
        json!({ "content": [{ "type": "text", "text": "no notes" }], "isError": true })
    );
    assert_eq!(
        call(&client, "status", json!({})).await,
        json!({
            "content": [{ "type": "text", "text": r#""done""# }],
            "structuredContent": { "result": "done" }
        })
    );
    assert_eq!(
        call(&client, "count", json!({})).await,
        json!({
            "content": [{ "type": "text", "text": "42" }],
            "structuredContent": { "result": 42 }
        })
    );
    // `Option<Note>`'s schema is not an object, so even a present note is wrapped: the
    // shape follows the type, not the value.
    assert_eq!(
        call(&client, "first", json!({ "any": true })).await,
        json!({
            "content": [{ "type": "text", "text": r#"{"id":2,"title":"eggs"}"# }],
            "structuredContent": { "result": { "id": 2, "title": "eggs" } }
        })
    );
    assert_eq!(
        call(&client, "first", json!({ "any": false })).await,
        json!({
            "content": [{ "type": "text", "text": "null" }],
            "structuredContent": { "result": null }
        })
    );
    assert_eq!(
        call(&client, "note", json!({})).await,
        json!({
            "content": [{ "type": "text", "text": r#"{"id":3,"title":"tea"}"# }],
            "structuredContent": { "id": 3, "title": "tea" }
        })
    );
    assert_eq!(
        call(&client, "plain", json!({})).await,
        json!({ "content": [{ "type": "text", "text": "7" }] })
    );
}

#[tokio::test]
async fn the_2026_era_wraps_the_same_way() {
    let client = TestClient::sessionless(Server::from_registry());
    assert_eq!(
        call(&client, "notes", json!({})).await,
        json!({
            "resultType": "complete",
            "content": [{ "type": "text", "text": r#"[{"id":1,"title":"milk"}]"# }],
            "structuredContent": { "result": [{ "id": 1, "title": "milk" }] }
        })
    );
}

#[tokio::test]
async fn output_schemas_announce_the_wrapper() {
    let server = Server::from_registry().build().unwrap();
    let schema = |name: &str| {
        server
            .tools()
            .into_iter()
            .find(|t| t.name == name)
            .unwrap()
            .output_schema
    };
    assert_eq!(
        schema("status").unwrap(),
        json!({
            "type": "object",
            "properties": { "result": { "type": "string", "enum": ["open", "done"] } },
            "required": ["result"]
        })
    );
    assert_eq!(
        schema("wrapped_notes").unwrap()["properties"]["result"],
        json!({ "type": "array", "items": { "$ref": "#/$defs/Note" } })
    );
    assert_eq!(
        schema("first").unwrap()["properties"]["result"],
        json!({ "anyOf": [{ "$ref": "#/$defs/Note" }, { "type": "null" }] })
    );
    assert_eq!(schema("note").unwrap()["title"], "Note");
    assert_eq!(schema("plain"), None);
}
