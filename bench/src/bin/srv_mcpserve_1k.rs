//! mcpserve bench server with 1,000 generated tools (`tools/list` latency). The tools come
//! from build.rs: `tool_0` ... `tool_999`, each `#[tool] async fn(a: i64, b: i64) -> i64`.
//!
//! `srv-mcpserve-1k` serves stdio; `srv-mcpserve-1k inproc N` instead times N `tools/list`
//! requests through the dispatcher in-process (no transport: the server-side share) and
//! prints `p50_us p99_us`.

use std::time::Instant;

use mcp_runtime::dispatch::{Connection, Outbound, RequestEnv};
use mcp_runtime::protocol::{jsonrpc, Message};
use mcpserve::prelude::*;

include!(concat!(env!("OUT_DIR"), "/mcpserve_tools_1k.rs"));

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("inproc") {
        return Server::from_registry().serve_stdio().await;
    }
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let server = Server::from_registry().build()?;
    let dispatcher = server.dispatcher();
    let (out, _rx) = Outbound::channel(16);
    let conn = Connection::new(out.clone());
    let request = |line: &[u8]| match jsonrpc::parse(line) {
        Ok(Message::Request(r)) => r,
        _ => panic!("not a request"),
    };
    let env = || RequestEnv {
        out: out.clone(),
        conn: Some(conn.clone()),
        era: None,
        cancel: None,
        auth: None,
    };
    let init = br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}"#;
    dispatcher.handle_request(request(init), env()).await;
    if let Ok(Message::Notification(n)) =
        jsonrpc::parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
    {
        dispatcher.handle_notification(&n, Some(&conn));
    }
    let list = br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    let mut lat = Vec::with_capacity(n);
    for i in 0..n + n / 10 {
        let t0 = Instant::now();
        // Parse and dispatch: what the server does between reading a line and writing it.
        let reply = dispatcher.handle_request(request(list), env()).await;
        let took = t0.elapsed().as_nanos() as f64 / 1000.0;
        let reply = reply.expect("a reply");
        assert!(reply.error_code.is_none(), "tools/list failed");
        if i >= n / 10 {
            lat.push(took);
        }
    }
    lat.sort_by(f64::total_cmp);
    let p = |q: f64| lat[((lat.len() - 1) as f64 * q).round() as usize];
    println!("{:.1} {:.1}", p(0.5), p(0.99));
    Ok(())
}
