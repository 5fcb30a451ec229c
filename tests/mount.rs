//! Composition: servers mounted in servers. Namespacing of tools, prompts and resources,
//! collisions rejected at build naming both definitions, state isolation, layers of both
//! servers, list_changed propagation and per-caller visibility.
//!
//! The mounted servers here are built from this binary's registry (`#[tool]`, `#[prompt]`,
//! `#[resource]` below); the mounting servers are built `without_registry()`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcpserve::middleware::{from_fn, Next};
use mcpserve::prelude::*;
use mcpserve::testing::{ClientError, TestClient};
use mcpserve::{Mount, ServerBuilder, ToolCall, ToolDef};
use serde_json::{json, Value};

#[derive(Clone)]
struct Db(&'static str);

/// Charges a customer.
#[tool]
async fn charge(amount: u32, db: State<Db>) -> String {
    format!("charged {amount} on {}", db.0 .0)
}

/// Lists invoices.
#[tool(annotations(read_only))]
async fn invoices(ctx: Context) -> String {
    format!("invoices of {}", ctx.state::<Db>().map_or("?", |d| d.0))
}

/// An invoice, by number.
#[resource("invoice://{number}", mime_type = "text/plain")]
async fn invoice(number: u32, db: State<Db>) -> String {
    format!("invoice {number} from {}", db.0 .0)
}

/// The price list.
#[resource("mem://prices", mime_type = "text/plain")]
async fn prices() -> &'static str {
    "everything costs 1"
}

/// Drafts a dunning letter.
#[prompt]
fn dunning(customer: String) -> String {
    format!("Write to {customer} about their unpaid invoice.")
}

fn billing(db: &'static str) -> Server {
    Server::builder().state(Db(db)).build().unwrap()
}

fn app() -> ServerBuilder {
    Server::builder().without_registry().state(Db("app"))
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn tools_and_prompts_are_namespaced_resources_keep_their_uris() {
    let server = app()
        .tool(ToolDef::new("status", |_c: ToolCall| async { "ok" }))
        .mount("billing", billing("ledger"));
    let client = TestClient::session(server).await.unwrap();
    let names: Vec<String> = client
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["status", "billing_charge", "billing_invoices"]);

    let result = client
        .call_tool("billing_charge", json!({"amount": 5}))
        .await
        .unwrap();
    assert_eq!(text(&result), "charged 5 on ledger");
    // The original name is not served.
    let err = client
        .call_tool("charge", json!({"amount": 5}))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Rpc(e) if e.code == -32602));

    let prompts = client.request("prompts/list", json!({})).await.unwrap();
    assert_eq!(prompts["prompts"][0]["name"], "billing_dunning");
    let got = client
        .request(
            "prompts/get",
            json!({"name": "billing_dunning", "arguments": {"customer": "ACME"}}),
        )
        .await
        .unwrap();
    assert_eq!(
        got["messages"][0]["content"]["text"],
        "Write to ACME about their unpaid invoice."
    );

    let resources = client.request("resources/list", json!({})).await.unwrap();
    assert_eq!(resources["resources"][0]["uri"], "mem://prices");
    let templates = client
        .request("resources/templates/list", json!({}))
        .await
        .unwrap();
    assert_eq!(
        templates["resourceTemplates"][0]["uriTemplate"],
        "invoice://{number}"
    );
    let read = client
        .request("resources/read", json!({"uri": "invoice://7"}))
        .await
        .unwrap();
    assert_eq!(read["contents"][0]["text"], "invoice 7 from ledger");
    assert_eq!(read["contents"][0]["uri"], "invoice://7");
}

#[tokio::test]
async fn resource_uris_can_carry_the_namespace_too() {
    let server = app().mount_with(
        Mount::server(billing("ledger"))
            .namespace("billing")
            .separator(".")
            .prefix_resources(true),
    );
    let client = TestClient::session(server).await.unwrap();
    let tools: Vec<String> = client
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(tools, ["billing.charge", "billing.invoices"]);
    let resources = client.request("resources/list", json!({})).await.unwrap();
    assert_eq!(resources["resources"][0]["uri"], "mem://billing/prices");
    let read = client
        .request("resources/read", json!({"uri": "invoice://billing/7"}))
        .await
        .unwrap();
    assert_eq!(read["contents"][0]["uri"], "invoice://billing/7");
    assert_eq!(read["contents"][0]["text"], "invoice 7 from ledger");
    let missing = client
        .request("resources/read", json!({"uri": "invoice://7"}))
        .await
        .unwrap_err();
    assert!(matches!(missing, ClientError::Rpc(e) if e.code == -32002));
}

#[test]
fn a_tool_name_taken_twice_is_a_build_error_naming_both() {
    let err = app()
        .tool(ToolDef::new("billing_charge", |_c: ToolCall| async {
            "mine"
        }))
        .mount("billing", billing("ledger"))
        .build()
        .err()
        .expect("a collision");
    let message = err.to_string();
    assert!(
        message.starts_with(
            "duplicate tool name `billing_charge`: defined at run time and at tests/mount.rs:"
        ),
        "{message}"
    );
    assert!(message.ends_with("(mounted as `billing`)"), "{message}");
}

#[test]
fn the_same_resources_mounted_twice_is_a_build_error_naming_both_mounts() {
    let err = app()
        .mount("a", billing("one"))
        .mount("b", billing("two"))
        .build()
        .err()
        .expect("a collision");
    let message = err.to_string();
    assert!(message.contains("duplicate resource"), "{message}");
    assert!(message.contains("(mounted as `a`)"), "{message}");
    assert!(message.contains("(mounted as `b`)"), "{message}");
}

#[test]
fn namespaced_names_must_still_be_valid_tool_names() {
    let err = app()
        .mount("no spaces", billing("x"))
        .build()
        .err()
        .expect("an invalid name");
    assert!(err.to_string().contains("no spaces_charge"), "{err}");
}

#[tokio::test]
async fn each_server_keeps_its_own_state() {
    let server = app()
        .tool(ToolDef::new("app_db", |call: ToolCall| async move {
            call.context().state::<Db>().map_or("none", |d| d.0)
        }))
        .mount_with(
            Mount::server(billing("east"))
                .namespace("east")
                .prefix_resources(true),
        )
        .mount_with(
            Mount::server(billing("west"))
                .namespace("west")
                .prefix_resources(true),
        );
    let client = TestClient::session(server).await.unwrap();
    let call = |name: &'static str| {
        let client = &client;
        async move { text(&client.call_tool(name, json!({"amount": 1})).await.unwrap()) }
    };
    assert_eq!(call("app_db").await, "app");
    assert_eq!(call("east_charge").await, "charged 1 on east");
    assert_eq!(call("west_charge").await, "charged 1 on west");
    assert_eq!(call("west_invoices").await, "invoices of west");
    let read = client
        .request("resources/read", json!({"uri": "invoice://east/1"}))
        .await
        .unwrap();
    assert_eq!(read["contents"][0]["text"], "invoice 1 from east");
}

#[tokio::test]
async fn the_mounted_servers_layers_run_inside_the_mounting_servers() {
    let log: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let mark = |label: &'static str| {
        let log = log.clone();
        from_fn(move |call: ToolCall, next: Next| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(label);
                next.run(call).await
            }
        })
    };
    let child = Server::builder()
        .state(Db("inner"))
        .layer_for("charge", mark("child"))
        .build()
        .unwrap();
    let server = app()
        .layer(mark("parent"))
        .layer_for("billing_invoices", mark("parent, invoices only"))
        .mount("billing", child);
    let client = TestClient::session(server).await.unwrap();
    client
        .call_tool("billing_charge", json!({"amount": 1}))
        .await
        .unwrap();
    client
        .call_tool("billing_invoices", json!({}))
        .await
        .unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        ["parent", "child", "parent, invoices only", "parent"]
    );
}

#[tokio::test]
async fn changes_of_a_mounted_server_reach_the_mounting_servers_clients() {
    let child = Server::builder()
        .without_registry()
        .tool(ToolDef::new("first", |_c: ToolCall| async { "1" }))
        .build()
        .unwrap();
    let server = app().mount("sub", child.clone()).build().unwrap();
    let client = TestClient::session(server).await.unwrap();
    child
        .handle()
        .add_tool(ToolDef::new("second", |_c: ToolCall| async { "2" }))
        .unwrap();
    let note = client
        .next_notification_within(Duration::from_secs(5))
        .await
        .expect("a notification");
    assert_eq!(note["method"], "notifications/tools/list_changed");
    let names: Vec<String> = client
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["sub_first", "sub_second"]);
    assert_eq!(
        text(&client.call_tool("sub_second", json!({})).await.unwrap()),
        "2"
    );
    // Removed there: gone here.
    assert!(child.handle().remove_tool("first"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let err = client.call_tool("sub_first", json!({})).await.unwrap_err();
    assert!(matches!(err, ClientError::Rpc(e) if e.code == -32602));
}

#[tokio::test]
async fn a_handler_announcing_through_its_context_reaches_the_mounting_servers_clients() {
    let child = Server::builder()
        .without_registry()
        .tool(ToolDef::new("touch", |call: ToolCall| async move {
            call.context().server().resource_updated("mem://doc");
            call.context().server().prompts_changed();
            "touched"
        }))
        .build()
        .unwrap();
    let server = app().mount("sub", child);
    let client = TestClient::session(server).await.unwrap();
    client.call_tool("sub_touch", json!({})).await.unwrap();
    let note = client
        .next_notification_within(Duration::from_secs(5))
        .await
        .expect("a notification");
    assert_eq!(note["method"], "notifications/prompts/list_changed");
}

#[tokio::test]
async fn visibility_decides_per_caller_which_tools_are_seen_and_callable() {
    let server = app()
        .tool(ToolDef::new("public", |_c: ToolCall| async { "hello" }))
        .tool(ToolDef::new("admin_reset", |_c: ToolCall| async {
            "reset"
        }))
        .visibility(|ctx, tool| {
            !tool.name.starts_with("admin_")
                || ctx.client_info().is_some_and(|c| c.name == "ops-console")
        })
        .build()
        .unwrap();
    let anyone = TestClient::session(server.clone()).await.unwrap();
    let names: Vec<String> = anyone
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["public"]);
    let err = anyone
        .call_tool("admin_reset", json!({}))
        .await
        .unwrap_err();
    let ClientError::Rpc(e) = err else { panic!() };
    assert_eq!(
        (e.code, e.message.as_str()),
        (-32602, "Unknown tool: admin_reset")
    );

    // A list decided per caller must not be served from a shared cache.
    let modern = TestClient::sessionless(server.clone());
    let listed = modern.request("tools/list", json!({})).await.unwrap();
    assert_eq!(
        listed["tools"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
    assert_eq!(listed["cacheScope"], "private");
    let open = TestClient::sessionless(
        app().tool(ToolDef::new("public", |_c: ToolCall| async { "hello" })),
    );
    let listed = open.request("tools/list", json!({})).await.unwrap();
    assert_eq!(listed["cacheScope"], "public");

    let ops = TestClient::connect(server);
    ops.request(
        "initialize",
        json!({
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": { "name": "ops-console", "version": "1" }
        }),
    )
    .await
    .unwrap();
    ops.notify("notifications/initialized", json!({}))
        .await
        .unwrap();
    let listed = ops.request("tools/list", json!({})).await.unwrap();
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["public", "admin_reset"]);
    assert_eq!(
        text(&ops.call_tool("admin_reset", json!({})).await.unwrap()),
        "reset"
    );
}

#[tokio::test]
async fn a_mounted_servers_visibility_still_applies() {
    let child = Server::builder()
        .without_registry()
        .tool(ToolDef::new("secret", |_c: ToolCall| async { "s" }))
        .tool(ToolDef::new("open", |_c: ToolCall| async { "o" }))
        .visibility(|_ctx, tool| tool.name != "secret")
        .build()
        .unwrap();
    let client = TestClient::session(app().mount("sub", child))
        .await
        .unwrap();
    let listed: Vec<Value> = client
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| json!(t.name))
        .collect();
    assert_eq!(listed, [json!("sub_open")]);
    assert!(client.call_tool("sub_secret", json!({})).await.is_err());
}

fn shaped_and_task_tools() -> Server {
    Server::builder()
        .without_registry()
        .tool(
            ToolDef::new("maybe", |_c: ToolCall| async {
                Json(Some(json!({ "n": 1 })))
            })
            .output_schema(json!({
                "anyOf": [
                    { "type": "object", "properties": { "n": { "type": "integer" } } },
                    { "type": "null" }
                ]
            })),
        )
        .tool(
            ToolDef::new("slow", |_c: ToolCall| async { "slow done" })
                .task_support(mcpserve::tasks::TaskSupport::Optional),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn mounted_tools_keep_their_output_shape_and_run_as_tasks() {
    let direct = TestClient::session(shaped_and_task_tools()).await.unwrap();
    let client = TestClient::session(app().mount("sub", shaped_and_task_tools()))
        .await
        .unwrap();
    // A non-object output schema: results travel as {"result": ..}, mounted or not.
    let wrapped = json!({ "result": { "n": 1 } });
    let direct_result = direct.call_tool("maybe", json!({})).await.unwrap();
    assert_eq!(direct_result.structured_content, Some(wrapped.clone()));
    let mounted = client.call_tool("sub_maybe", json!({})).await.unwrap();
    assert_eq!(mounted.structured_content, Some(wrapped));
    let listed = client.list_tools().await.unwrap();
    let maybe = listed.iter().find(|t| t.name == "sub_maybe").unwrap();
    assert_eq!(
        maybe.output_schema.as_ref().unwrap()["required"],
        json!(["result"])
    );

    // Task support survives the mount, and the mounting server runs the task.
    let slow = listed.iter().find(|t| t.name == "sub_slow").unwrap();
    assert_eq!(
        serde_json::to_value(&slow.execution).unwrap(),
        json!({ "taskSupport": "optional" })
    );
    let created = client
        .request(
            "tools/call",
            json!({ "name": "sub_slow", "arguments": {}, "task": {} }),
        )
        .await
        .unwrap();
    let id = created["task"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    let result = client
        .request("tasks/result", json!({ "taskId": id }))
        .await
        .unwrap();
    assert_eq!(
        result["content"],
        json!([{ "type": "text", "text": "slow done" }])
    );
}

/// A mounted server with a skill and an extension of its own (whose method reads the
/// mounted server's state).
fn with_extensions(db: &'static str) -> Server {
    use mcpserve::extension::{Extension, ExtensionMethod, NoParams};
    use mcpserve::skills::{Skill, Skills};
    Server::builder()
        .without_registry()
        .state(Db(db))
        .skills(
            Skills::new().skill(
                Skill::new("refunds", "How to refund an invoice.").instructions("Refund it."),
            ),
        )
        .extension(
            Extension::new("com.example/ledger").method(
                ExtensionMethod::new("ledger/owner", |ctx: Context, _: NoParams| {
                    let owner = ctx.state::<Db>().map_or("?", |d| d.0);
                    async move { Ok::<_, Error>(json!({ "owner": owner })) }
                })
                .client_opt_in(false),
            ),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_mounted_servers_extensions_are_served_by_the_mounting_server() {
    let server = app()
        .mount("billing", with_extensions("billing-db"))
        .build()
        .unwrap();
    let session = TestClient::session(server.clone()).await.unwrap();
    // Declared in both eras.
    let discover = TestClient::sessionless(server.clone())
        .request("server/discover", json!({}))
        .await
        .unwrap();
    let extensions = &discover["capabilities"]["extensions"];
    assert_eq!(extensions["com.example/ledger"], json!({}), "{discover}");
    assert!(
        extensions["io.modelcontextprotocol/skills"].is_object(),
        "{discover}"
    );
    // The method runs as the mounted server's: its state.
    for client in [session, TestClient::sessionless(server.clone())] {
        let owner = client.request("ledger/owner", json!({})).await.unwrap();
        assert_eq!(owner["owner"], "billing-db", "{owner}");
        // The skill's files are resources of the mounting server (URIs kept).
        let read = client
            .request("resources/read", json!({"uri": "skill://refunds/SKILL.md"}))
            .await
            .unwrap();
        let text = read["contents"][0]["text"].as_str().unwrap_or_default();
        assert!(text.contains("Refund it."), "{read}");
    }
}

#[test]
fn an_extension_method_defined_twice_is_a_build_error_naming_both() {
    use mcpserve::extension::{Extension, ExtensionMethod, NoParams};
    let own = Extension::new("com.example/mine").method(ExtensionMethod::new(
        "ledger/owner",
        |_: Context, _: NoParams| async { Ok::<_, Error>(json!({})) },
    ));
    let err = app()
        .extension(own)
        .mount("billing", with_extensions("x"))
        .build()
        .err()
        .expect("a collision");
    assert_eq!(
        err.to_string(),
        "method `ledger/owner` is defined by extension `com.example/mine` and by extension `com.example/ledger` of the server mounted as `billing`"
    );
}
