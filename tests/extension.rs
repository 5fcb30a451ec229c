//! The extension API: a user-defined extension advertised in both eras' capabilities,
//! its methods dispatched with each era's decoration, client opt-in (-32021), params
//! errors, caching hints, the `Mcp-Name` header rule, and build-time checks.

mod http_common;

use std::sync::{Arc, Mutex};

use mcpserve::extension::{Extension, ExtensionMethod, NoParams};
use mcpserve::prelude::*;
use mcpserve::testing::{ClientError, TestClient};
use mcpserve::HttpConfig;
use serde_json::{json, Value};

const ID: &str = "com.example/notes";

#[derive(Deserialize)]
struct AddNote {
    title: String,
}

#[derive(Serialize)]
struct Added {
    count: usize,
}

fn notes() -> Extension {
    let store: Arc<Mutex<Vec<String>>> = Arc::default();
    let for_add = store.clone();
    Extension::new(ID)
        .settings(json!({"maxNotes": 10}))
        .require_client_opt_in()
        .method(
            ExtensionMethod::new("notes/add", move |_ctx: Context, p: AddNote| {
                let store = for_add.clone();
                async move {
                    let mut notes = store.lock().unwrap();
                    notes.push(p.title);
                    Ok::<_, Error>(Added { count: notes.len() })
                }
            })
            .mcp_name_param("title"),
        )
        .method(
            ExtensionMethod::new("notes/list", move |ctx: Context, _: NoParams| {
                let notes = store.lock().unwrap().clone();
                let settings = ctx.client_extension(ID).cloned();
                async move { Ok::<_, Error>(json!({"notes": notes, "client": settings})) }
            })
            .cacheable(mcpserve::extension::CacheScope::Private),
        )
        .method(
            ExtensionMethod::new("notes/legacy", |_: Context, _: NoParams| async {
                Ok::<_, Error>(json!({"era": "session"}))
            })
            .only_in(mcpserve::Era::Session)
            .client_opt_in(false),
        )
}

fn server() -> Server {
    Server::builder()
        .without_registry()
        .extension(notes())
        .build()
        .unwrap()
}

fn rpc_error(r: Result<Value, ClientError>) -> Value {
    match r {
        Err(ClientError::Rpc(e)) => serde_json::to_value(e).unwrap(),
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

#[tokio::test]
async fn advertised_in_both_eras() {
    let client = TestClient::connect(server());
    let init = client
        .request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        init["capabilities"]["extensions"],
        json!({ ID: {"maxNotes": 10} })
    );
    let modern = TestClient::sessionless(server());
    let discover = modern.request("server/discover", json!({})).await.unwrap();
    assert_eq!(
        discover["capabilities"]["extensions"],
        json!({ ID: {"maxNotes": 10} })
    );
}

#[tokio::test]
async fn session_era_methods_need_the_declared_extension() {
    let without = TestClient::session(server()).await.unwrap();
    assert_eq!(
        rpc_error(without.request("notes/add", json!({"title": "a"})).await),
        json!({"code": -32600,
               "message": "Missing required client capability: extension `com.example/notes`",
               "data": {"requiredCapabilities": {"extensions": { ID: {} }}}})
    );
    // A method that opts out of the requirement, served only in this era.
    assert_eq!(
        without.request("notes/legacy", json!({})).await.unwrap(),
        json!({"era": "session"})
    );
    let with = TestClient::session_with(server(), json!({"extensions": { ID: {"v": 1} }}))
        .await
        .unwrap();
    assert_eq!(
        with.request("notes/add", json!({"title": "a"}))
            .await
            .unwrap(),
        json!({"count": 1})
    );
    assert_eq!(
        with.request("notes/list", json!({})).await.unwrap(),
        json!({"notes": ["a"], "client": {"v": 1}})
    );
    assert_eq!(
        rpc_error(with.request("notes/add", json!({"title": 5})).await),
        json!({"code": -32602, "message": "Invalid params: invalid type: integer `5`, expected a string at line 1 column 10"})
    );
}

#[tokio::test]
async fn modern_methods_are_decorated_and_gated_per_request() {
    let without = TestClient::sessionless(server());
    assert_eq!(
        rpc_error(without.request("notes/list", json!({})).await),
        json!({"code": -32021,
               "message": "Missing required client capability: extension `com.example/notes`",
               "data": {"requiredCapabilities": {"extensions": { ID: {} }}}})
    );
    assert_eq!(
        rpc_error(without.request("notes/legacy", json!({})).await),
        json!({"code": -32601, "message": "Method not found: notes/legacy"})
    );
    let with = TestClient::sessionless_with(server(), json!({"extensions": { ID: {} }}));
    assert_eq!(
        with.request("notes/add", json!({"title": "b"}))
            .await
            .unwrap(),
        json!({"resultType": "complete", "count": 1})
    );
    assert_eq!(
        with.request("notes/list", json!({})).await.unwrap(),
        json!({"resultType": "complete", "ttlMs": 0, "cacheScope": "private",
               "notes": ["b"], "client": {}})
    );
}

#[tokio::test]
async fn http_checks_the_declared_mcp_name_param() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(server().serve_http_on(listener, HttpConfig::default(), std::future::pending()));
    let send = |name: Option<&'static str>| {
        let url = url.clone();
        async move {
            let body = json!({"jsonrpc": "2.0", "id": 7, "method": "notes/add", "params": {
                "title": "c", "_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {"extensions": { ID: {} }}}}});
            let mut headers = vec![
                ("mcp-protocol-version", "2026-07-28"),
                ("mcp-method", "notes/add"),
            ];
            if let Some(name) = name {
                headers.push(("mcp-name", name));
            }
            let res = http_common::post(&url, &body, &headers)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(
        send(Some("c")).await,
        (
            200,
            json!({"jsonrpc": "2.0", "id": 7, "result": {"resultType": "complete", "count": 1}})
        )
    );
    assert_eq!(
        send(Some("d")).await,
        (
            400,
            json!({"jsonrpc": "2.0", "id": 7, "error": {"code": -32020,
            "message": "Header mismatch: Mcp-Name header value \"d\" does not match body value \"c\""}})
        )
    );
    assert_eq!(send(None).await.0, 400);
}

#[test]
fn build_rejects_bad_declarations() {
    let build = |ext: Extension| {
        Server::builder()
            .without_registry()
            .extension(ext)
            .build()
            .err()
            .map(|e| e.to_string())
    };
    assert_eq!(
        build(Extension::new("notes")),
        Some("extension identifier `notes`: it must be `{vendor-prefix}/{name}`, e.g. `com.example/my-extension`".into())
    );
    let ping = ExtensionMethod::new("ping", |_: Context, _: NoParams| async {
        Ok::<_, Error>(json!({}))
    });
    assert_eq!(
        build(Extension::new(ID).method(ping)),
        Some(
            "extension `com.example/notes`: `ping` is a core method and cannot be redefined".into()
        )
    );
    assert_eq!(
        build(Extension::new(ID).settings(5)),
        Some("extension `com.example/notes`: settings must be a JSON object, not 5".into())
    );
    let twice = Server::builder()
        .without_registry()
        .extension(notes())
        .extension(
            Extension::new("org.other/notes").method(ExtensionMethod::new(
                "notes/add",
                |_: Context, _: NoParams| async { Ok::<_, Error>(json!({})) },
            )),
        )
        .build()
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        twice,
        Some("method `notes/add` is defined by extension `com.example/notes` and by extension `org.other/notes`".into())
    );
}
