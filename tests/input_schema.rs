//! `#[tool(input_schema = "..")]`: the hand-written schema is published exactly as written
//! (2020-12 keywords included) and arguments are validated against it before the call.

use mcpserve::prelude::*;
use mcpserve::testing::TestClient;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Contact {
    contact_method: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

const SCHEMA: &str = r##"{
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": { "method": { "$anchor": "methodDef", "type": "string", "enum": ["phone", "email"] } },
    "properties": {
        "contactMethod": { "$ref": "#/$defs/method" },
        "phone": { "type": "string" },
        "email": { "type": "string" }
    },
    "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
    "then": { "required": ["phone"] },
    "else": { "required": ["email"] },
    "additionalProperties": false
}"##;

/// Says how to reach someone.
#[tool(input_schema = r##"{
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": { "method": { "$anchor": "methodDef", "type": "string", "enum": ["phone", "email"] } },
    "properties": {
        "contactMethod": { "$ref": "#/$defs/method" },
        "phone": { "type": "string" },
        "email": { "type": "string" }
    },
    "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
    "then": { "required": ["phone"] },
    "else": { "required": ["email"] },
    "additionalProperties": false
}"##)]
fn reach(#[arg(flatten)] c: Contact) -> String {
    match c.contact_method.as_deref() {
        Some("phone") => format!("call {}", c.phone.unwrap_or_default()),
        _ => format!("mail {}", c.email.unwrap_or_default()),
    }
}

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn published_exactly_as_written() {
    let client = TestClient::sessionless(Server::from_registry());
    let list = client.request("tools/list", json!({})).await.unwrap();
    let tool = list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "reach")
        .unwrap();
    let expected: Value = serde_json::from_str(SCHEMA).unwrap();
    assert_eq!(tool["inputSchema"], expected);
    assert_eq!(tool["description"], "Says how to reach someone.");
}

#[tokio::test]
async fn arguments_are_validated_against_it() {
    let client = TestClient::session(Server::from_registry()).await.unwrap();
    let ok = client
        .request(
            "tools/call",
            json!({ "name": "reach", "arguments": { "contactMethod": "phone", "phone": "555" } }),
        )
        .await
        .unwrap();
    assert_eq!(
        ok,
        json!({ "content": [{ "type": "text", "text": "call 555" }] })
    );
    let ok = client
        .request(
            "tools/call",
            json!({ "name": "reach", "arguments": { "email": "a@b.c" } }),
        )
        .await
        .unwrap();
    assert_eq!(text(&ok), "mail a@b.c");
    // `if`/`then`: a phone contact needs a phone number.
    let bad = client
        .request(
            "tools/call",
            json!({ "name": "reach", "arguments": { "contactMethod": "phone", "email": "a@b.c" } }),
        )
        .await
        .unwrap();
    assert_eq!(bad["isError"], true, "{bad}");
    assert_eq!(
        text(&bad),
        r#"Invalid arguments for tool `reach`: "phone" is a required property"#
    );
    // `additionalProperties: false`.
    let bad = client
        .request(
            "tools/call",
            json!({ "name": "reach", "arguments": { "email": "a@b.c", "fax": "1" } }),
        )
        .await
        .unwrap();
    assert_eq!(bad["isError"], true, "{bad}");
    assert_eq!(
        text(&bad),
        "Invalid arguments for tool `reach`: Additional properties are not allowed ('fax' was unexpected)"
    );
}
