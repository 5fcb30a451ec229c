//! `TestClient`'s typed helpers, in both eras, written the way a user's test is: no
//! `serde_json` import (everything comes from `mcpserve::testing`).

use mcpserve::prelude::*;
use mcpserve::testing::{json, ClientError, ErrorObject, TestClient, Value};

#[derive(Serialize, Deserialize, JsonSchema, Debug, PartialEq)]
struct Note {
    id: u32,
    title: String,
}

/// Creates a note.
#[tool]
async fn create_note(title: String) -> Note {
    Note { id: 7, title }
}

/// Adds, refusing overflow.
#[tool]
async fn checked_add(a: i64, b: i64) -> Result<i64, Error> {
    a.checked_add(b).ok_or_else(|| Error::tool("overflow"))
}

#[derive(Deserialize, Elicit)]
struct Confirm {
    ok: bool,
}

/// Asks before acting.
#[tool]
async fn confirm(ctx: Context) -> Result<String, Error> {
    match ctx.elicit::<Confirm>("Sure?").await? {
        Elicitation::Accepted(c) => Ok(format!("ok={}", c.ok)),
        _ => Ok("declined".into()),
    }
}

/// A note by id.
#[resource("notes://{id}", mime_type = "text/plain")]
async fn note(id: u32) -> String {
    format!("note {id}")
}

/// Every note.
#[resource("notes://all")]
async fn all_notes() -> Json<Vec<Note>> {
    Json(vec![Note {
        id: 1,
        title: "a".into(),
    }])
}

fn topics(prefix: &str) -> Vec<String> {
    ["rust", "ruby", "go"]
        .into_iter()
        .filter(|t| t.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

/// Explain a topic.
#[prompt]
fn explain(#[arg(complete = topics)] topic: String, depth: Option<u8>) -> String {
    format!("Explain {topic} at depth {}", depth.unwrap_or(1))
}

fn answer(method: &str, _params: &Value) -> Result<Value, ErrorObject> {
    assert_eq!(method, "elicitation/create");
    Ok(json!({ "action": "accept", "content": { "ok": true } }))
}

async fn clients() -> Vec<TestClient> {
    let caps = json!({ "elicitation": {} });
    vec![
        TestClient::session_with(Server::from_registry(), caps.clone())
            .await
            .unwrap(),
        TestClient::sessionless_with(Server::from_registry(), caps),
    ]
}

#[tokio::test]
async fn typed_calls() {
    for client in clients().await {
        client.on_request(answer);
        let made = client
            .call("create_note", json!({ "title": "x" }))
            .await
            .unwrap();
        assert!(!made.is_error);
        assert_eq!(made.text(), r#"{"id":7,"title":"x"}"#);
        assert_eq!(
            client
                .call_as::<Note>("create_note", json!({ "title": "y" }))
                .await
                .unwrap(),
            Note {
                id: 7,
                title: "y".into()
            }
        );
        assert_eq!(
            client
                .call_as::<i64>("checked_add", json!({ "a": 2, "b": 3 }))
                .await
                .unwrap(),
            5
        );
        match client
            .call_as::<i64>("checked_add", json!({ "a": i64::MAX, "b": 1 }))
            .await
        {
            Err(ClientError::Tool(r)) => assert_eq!(r.text(), "overflow"),
            other => panic!("{other:?}"),
        }
        // Server-to-client asks are answered by `on_request` in both eras.
        assert_eq!(
            client
                .call_as::<String>("confirm", json!({}))
                .await
                .unwrap(),
            "ok=true"
        );
        let e = client.call("nope", json!({})).await.unwrap_err();
        assert_eq!(e.rpc().map(|e| e.code), Some(-32602));
    }
}

#[tokio::test]
async fn typed_lists_reads_and_prompts() {
    for client in clients().await {
        let tools = client.list_tools().await.unwrap();
        assert!(tools.iter().any(|t| t.name == "create_note"));
        let resources = client.list_resources().await.unwrap();
        assert!(resources.iter().any(|r| r.uri == "notes://all"));
        let templates = client.list_resource_templates().await.unwrap();
        assert!(templates.iter().any(|t| t.uri_template == "notes://{id}"));
        let prompts = client.list_prompts().await.unwrap();
        let explain = prompts.iter().find(|p| p.name == "explain").unwrap();
        assert_eq!(explain.arguments.len(), 2);

        assert_eq!(client.read("notes://3").await.unwrap().text(), "note 3");
        let all = client.read("notes://all").await.unwrap();
        assert_eq!(all.contents[0].uri(), "notes://all");
        assert_eq!(all.text(), r#"[{"id":1,"title":"a"}]"#);
        let missing = client.read("nowhere://x").await.unwrap_err();
        assert!(missing.rpc().is_some(), "{missing}");

        let prompt = client
            .get_prompt("explain", json!({ "topic": "rust", "depth": "2" }))
            .await
            .unwrap();
        assert_eq!(
            prompt.messages,
            vec![PromptMessage::user("Explain rust at depth 2")]
        );
        let completion = client
            .complete_prompt_argument("explain", "topic", "ru")
            .await
            .unwrap();
        assert_eq!(completion.values, ["rust", "ruby"]);
    }
}

#[tokio::test]
async fn ping_in_the_session_era() {
    let client = TestClient::session(Server::from_registry()).await.unwrap();
    client.ping().await.unwrap();
}
