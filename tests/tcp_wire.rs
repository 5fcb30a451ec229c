//! The TCP example: each accepted connection is its own JSON-RPC stream and session.

mod common;

use std::io::{BufRead, BufReader};
use std::net::{Shutdown, TcpStream};
use std::process::{Child, Command, Stdio};

use common::{example_bin, modern, quickstart_tools, server_info, Peer};
use serde_json::json;

struct TcpServer {
    child: Child,
    addr: String,
}

impl TcpServer {
    fn start() -> Self {
        let mut child = Command::new(example_bin("tcp"))
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tcp example");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        stderr.read_line(&mut line).expect("read stderr");
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first stderr line: {line:?}"))
            .to_owned();
        assert!(addr.starts_with("127.0.0.1:"), "{addr}");
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || for _ in stderr.lines() {});
        TcpServer { child, addr }
    }

    fn connect(&self) -> (Peer, TcpStream) {
        let stream = TcpStream::connect(&self.addr).expect("connect");
        let peer = Peer::new(
            stream.try_clone().expect("clone"),
            stream.try_clone().expect("clone"),
        );
        (peer, stream)
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn tcp_connections_are_independent_sessions() {
    let server = TcpServer::start();
    let (mut a, _a) = server.connect();
    let (mut b, b_stream) = server.connect();

    assert_eq!(
        a.request(
            json!(1),
            "initialize",
            json!({ "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": { "name": "a", "version": "1" } })
        ),
        json!({
            "jsonrpc": "2.0", "id": 1,
            "result": {
                "protocolVersion": "2025-06-18",
                "capabilities": { "tools": { "listChanged": true }, "logging": {}, "prompts": { "listChanged": true }, "resources": { "listChanged": true, "subscribe": true } },
                "serverInfo": server_info()
            }
        })
    );
    a.send(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));

    // B has no session: it speaks the 2026 era on the same server.
    assert_eq!(
        b.request(json!(1), "tools/list", modern(json!({}))),
        json!({
            "jsonrpc": "2.0", "id": 1,
            "result": { "resultType": "complete", "ttlMs": 0, "cacheScope": "public", "tools": quickstart_tools() }
        })
    );
    assert_eq!(
        a.request(
            json!(2),
            "tools/call",
            json!({ "name": "add", "arguments": { "a": 20, "b": 22 } })
        ),
        json!({ "jsonrpc": "2.0", "id": 2, "result": { "content": [{ "type": "text", "text": "42" }] } })
    );
    // A second initialize on A fails; B can still initialize its own session.
    assert_eq!(
        a.request(json!(3), "initialize", json!({ "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "a", "version": "1" } }))["error"]["code"],
        json!(-32600)
    );
    assert_eq!(
        b.request(json!(2), "initialize", json!({ "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "b", "version": "1" } }))["result"]["protocolVersion"],
        json!("2025-11-25")
    );

    // Closing B's writing side ends B's stream only; A keeps working.
    b_stream.shutdown(Shutdown::Write).expect("shutdown");
    assert!(
        b.closed(),
        "the server closes a connection after its end of input"
    );
    assert_eq!(
        a.exchange(r#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#),
        json!({ "jsonrpc": "2.0", "id": 4, "result": {} })
    );
}

#[test]
fn tcp_rejects_garbage_per_message() {
    let server = TcpServer::start();
    let (mut a, _a) = server.connect();
    assert_eq!(
        a.exchange("{oops"),
        json!({ "jsonrpc": "2.0", "id": null, "error": { "code": -32700, "message": "Parse error" } })
    );
    assert_eq!(
        a.request(json!("x"), "server/discover", modern(json!({})))["result"]["supportedVersions"],
        json!(["2026-07-28"])
    );
}
