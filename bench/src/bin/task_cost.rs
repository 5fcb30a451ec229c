//! What a task costs next to a plain call: drives the dispatcher in-process (no
//! transport) on one thread, so `perf stat -e instructions:u` of one mode against another
//! is the difference.
//!
//! `task-cost MODE N` runs N operations after a warm-up and prints the mean wall time:
//! * `plain`: `tools/call add` (session era);
//! * `task`: `tools/call add_task` with `params.task` + `tasks/get` (session era);
//! * `plain-2026`: `tools/call add` (2026-07-28);
//! * `task-2026`: `tools/call add_task` (the client declares the tasks extension) +
//!   `tasks/get`.

use std::sync::Arc;
use std::time::Instant;

use mcp_runtime::dispatch::{Connection, Dispatcher, Outbound, RequestEnv};
use mcp_runtime::protocol::jsonrpc::Request;
use mcpserve::prelude::*;
use mcpserve::protocol::RequestId;
use serde_json::value::RawValue;
use serde_json::{json, Value};

/// Add two integers.
#[tool]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Add two integers as a task (it yields once, so a 2026 call becomes a task too).
#[tool(task = "optional")]
async fn add_task(a: i64, b: i64) -> i64 {
    tokio::task::yield_now().await;
    a + b
}

struct Client {
    dispatcher: Dispatcher,
    out: Outbound,
    conn: Option<Arc<Connection>>,
    next: i64,
}

impl Client {
    async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let params = RawValue::from_string(params.to_string()).unwrap();
        let req = Request::new(RequestId::Number(self.next), method, Some(params));
        let env = RequestEnv {
            out: self.out.clone(),
            conn: self.conn.clone(),
            era: None,
            cancel: None,
            auth: None,
        };
        let reply = self.dispatcher.handle_request(req, env).await.unwrap();
        let reply: Value = serde_json::from_slice(&reply.bytes).unwrap();
        assert!(reply.get("error").is_none(), "{reply}");
        reply["result"].clone()
    }
}

fn meta(tasks: bool) -> Value {
    let extensions = if tasks {
        json!({"io.modelcontextprotocol/tasks": {}})
    } else {
        json!({})
    };
    json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
           "io.modelcontextprotocol/clientCapabilities": {"extensions": extensions}})
}

async fn op(client: &mut Client, mode: &str) {
    let args = json!({"a": 1, "b": 2});
    match mode {
        "plain" => {
            client
                .request("tools/call", json!({"name": "add", "arguments": args}))
                .await;
        }
        "task" => {
            let created = client
                .request(
                    "tools/call",
                    json!({"name": "add_task", "arguments": args, "task": {}}),
                )
                .await;
            let id = created["task"]["taskId"].as_str().unwrap().to_owned();
            client.request("tasks/get", json!({"taskId": id})).await;
        }
        "plain-2026" => {
            client
                .request(
                    "tools/call",
                    json!({"name": "add", "arguments": args, "_meta": meta(false)}),
                )
                .await;
        }
        "task-2026" => {
            let created = client
                .request(
                    "tools/call",
                    json!({"name": "add_task", "arguments": args, "_meta": meta(true)}),
                )
                .await;
            let id = created["taskId"].as_str().unwrap().to_owned();
            client
                .request("tasks/get", json!({"taskId": id, "_meta": meta(true)}))
                .await;
        }
        other => panic!("unknown mode {other}"),
    }
    // Let the task (spawned, on this one thread) run to its end: its cost counts too.
    tokio::task::yield_now().await;
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().map_or("plain", String::as_str).to_owned();
    let n: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let server = Server::from_registry()
        .tasks(mcpserve::TaskConfig::default().configure(|t| {
            t.max_running_per_owner = usize::MAX;
            t.max_running = usize::MAX;
        }))
        .build()
        .unwrap();
    let (out, mut rx) = Outbound::channel(1 << 16);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let mut client = Client {
        dispatcher: server.dispatcher(),
        conn: Some(Connection::new(out.clone())),
        out,
        next: 0,
    };
    if !mode.ends_with("2026") {
        client
            .request(
                "initialize",
                json!({"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "task-cost", "version": "1"}}),
            )
            .await;
    }
    for _ in 0..1000 {
        op(&mut client, &mode).await;
    }
    let start = Instant::now();
    for _ in 0..n {
        op(&mut client, &mode).await;
    }
    let per = start.elapsed() / n.max(1) as u32;
    println!("{mode}: {n} operations, {per:?} each");
}
