//! The README's code as a newcomer copies it, built with only the README's
//! `[dependencies]` (`mcpserve` and `tokio`): derives, a struct output, a list output,
//! and the in-memory `TestClient` a test would use. trybuild runs `main`, so the
//! assertions run too.

use mcpserve::prelude::*;
use mcpserve::testing::TestClient;

#[derive(Serialize, Deserialize, JsonSchema, Debug, PartialEq)]
struct Stats {
    words: usize,
    lines: usize,
}

/// Count words and lines.
#[tool(annotations(read_only))]
fn stats(text: String) -> Stats {
    Stats {
        words: text.split_whitespace().count(),
        lines: text.lines().count(),
    }
}

/// A note.
#[derive(Serialize, Deserialize, JsonSchema, Debug, PartialEq)]
struct Note {
    id: u32,
    title: String,
    tag: Option<String>,
}

/// List notes, optionally by tag.
#[tool]
async fn list_notes(tag: Option<String>) -> Vec<Note> {
    let all = vec![
        Note { id: 1, title: "milk".into(), tag: Some("shopping".into()) },
        Note { id: 2, title: "call Bob".into(), tag: None },
    ];
    all.into_iter().filter(|n| tag.is_none() || n.tag == tag).collect()
}

/// The arguments a test sends, typed.
#[derive(Serialize)]
struct ListArgs {
    tag: &'static str,
}

/// What `list_notes` returns inside `structuredContent`.
#[derive(Deserialize)]
struct Listed {
    result: Vec<Note>,
}

#[tokio::main]
async fn main() {
    let client = TestClient::session(Server::from_registry()).await.unwrap();

    let tools = client.list_tools().await.unwrap();
    let list = tools.iter().find(|t| t.name == "list_notes").unwrap();
    assert!(list.output_schema.is_some(), "a list output has an outputSchema");

    let out = client.call_tool("stats", Stats::request("a b\nc")).await.unwrap();
    let stats = Stats::deserialize(out.structured_content.unwrap()).unwrap();
    assert_eq!(stats, Stats { words: 3, lines: 2 });

    let out = client.call_tool("list_notes", ListArgs { tag: "shopping" }).await.unwrap();
    let listed = Listed::deserialize(out.structured_content.unwrap()).unwrap();
    assert_eq!(listed.result, vec![Note { id: 1, title: "milk".into(), tag: Some("shopping".into()) }]);
}

impl Stats {
    fn request(text: &str) -> impl Serialize + '_ {
        #[derive(Serialize)]
        struct Args<'a> {
            text: &'a str,
        }
        Args { text }
    }
}
