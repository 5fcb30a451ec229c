//! The quickstart binary over stdio, byte-level: every assertion is on a complete
//! JSON-RPC message, in both protocol eras.

mod common;

use common::{modern, modern_meta, quickstart_tools, server_info, Spawned};
use serde_json::{json, Value};

fn quickstart() -> Spawned {
    Spawned::stdio("quickstart", &[])
}

fn initialize(s: &mut Spawned, version: &str) -> Value {
    let r = s.peer.request(
        json!(1),
        "initialize",
        json!({
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": { "name": "wire-test", "version": "1.0.0" }
        }),
    );
    s.peer
        .send(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }));
    r
}

fn initialize_result(version: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": 1,
        "result": {
            "protocolVersion": version,
            "capabilities": { "tools": { "listChanged": true }, "logging": {}, "prompts": { "listChanged": true }, "resources": { "listChanged": true, "subscribe": true } },
            "serverInfo": server_info()
        }
    })
}

fn text_result(id: Value, text: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "result": { "content": [{ "type": "text", "text": text }] } })
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

// ---- session era -------------------------------------------------------------------

#[test]
fn initialize_echoes_each_supported_version() {
    for version in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
        let mut s = quickstart();
        assert_eq!(initialize(&mut s, version), initialize_result(version));
    }
}

#[test]
fn initialize_with_unknown_version_offers_latest() {
    let mut s = quickstart();
    assert_eq!(
        initialize(&mut s, "2023-01-01"),
        initialize_result("2025-11-25")
    );
    // The session speaks 2025-11-25 afterwards: no resultType on results.
    assert_eq!(
        s.peer.request(json!(2), "ping", json!({})),
        json!({ "jsonrpc": "2.0", "id": 2, "result": {} })
    );
}

#[test]
fn session_tools_list_is_exact() {
    let mut s = quickstart();
    initialize(&mut s, "2025-11-25");
    assert_eq!(
        s.peer.request(json!(2), "tools/list", json!({})),
        json!({ "jsonrpc": "2.0", "id": 2, "result": { "tools": quickstart_tools() } })
    );
}

#[test]
fn session_tools_call_each_tool() {
    let mut s = quickstart();
    initialize(&mut s, "2025-11-25");
    let call = |s: &mut Spawned, id: i64, name: &str, args: Value| {
        s.peer.request(
            json!(id),
            "tools/call",
            json!({ "name": name, "arguments": args }),
        )
    };
    assert_eq!(
        call(&mut s, 2, "add", json!({ "a": 2, "b": 40 })),
        text_result(json!(2), "42")
    );
    assert_eq!(
        call(&mut s, 3, "echo", json!({ "text": "héllo\nworld" })),
        text_result(json!(3), "héllo\nworld")
    );
    assert_eq!(
        call(&mut s, 4, "word_count", json!({ "text": "one two\nthree" })),
        json!({
            "jsonrpc": "2.0",
            "id": 4,
            "result": {
                "content": [{ "type": "text", "text": "{\"chars\":13,\"lines\":2,\"words\":3}" }],
                "structuredContent": { "words": 3, "chars": 13, "lines": 2 }
            }
        })
    );
    assert_eq!(
        call(&mut s, 5, "divide", json!({ "a": 1, "b": 4 })),
        text_result(json!(5), "0.25")
    );
    assert_eq!(
        call(&mut s, 6, "divide", json!({ "a": 1, "b": 0 })),
        json!({
            "jsonrpc": "2.0",
            "id": 6,
            "result": {
                "content": [{ "type": "text", "text": "division by zero" }],
                "isError": true
            }
        })
    );
    assert_eq!(
        call(&mut s, 7, "add", json!({ "a": "x", "b": 1 })),
        json!({
            "jsonrpc": "2.0",
            "id": 7,
            "result": {
                "content": [{
                    "type": "text",
                    "text": "Invalid arguments for tool `add`: argument `a`: invalid type: string \"x\", expected i64"
                }],
                "isError": true
            }
        })
    );
    assert_eq!(
        call(&mut s, 8, "add", json!({ "a": 1 })),
        json!({
            "jsonrpc": "2.0",
            "id": 8,
            "result": {
                "content": [{
                    "type": "text",
                    "text": "Invalid arguments for tool `add`: missing required argument `b`"
                }],
                "isError": true
            }
        })
    );
}

#[test]
fn add_overflow_is_a_tool_error_not_a_wrapped_number() {
    let mut s = quickstart();
    initialize(&mut s, "2025-11-25");
    assert_eq!(
        s.peer.request(
            json!(2),
            "tools/call",
            json!({ "name": "add", "arguments": { "a": i64::MAX, "b": 1 } })
        ),
        json!({
            "jsonrpc": "2.0",
            "id": 2,
            "result": {
                "content": [{
                    "type": "text",
                    "text": "9223372036854775807 + 1 does not fit in a 64-bit integer"
                }],
                "isError": true
            }
        })
    );
    assert_eq!(
        s.peer.request(
            json!(3),
            "tools/call",
            json!({ "name": "add", "arguments": { "a": i64::MIN, "b": -1 } })
        )["result"]["isError"],
        json!(true)
    );
}

/// `CallToolRequest.params.arguments` must be an object: anything else does not satisfy
/// the request schema, so it is a protocol error (server/tools.mdx §Error Handling), in
/// both eras. `null` is treated as absent.
#[test]
fn non_object_arguments_are_invalid_params() {
    let mut s = quickstart();
    initialize(&mut s, "2025-11-25");
    for (id, arguments) in [
        (2, json!("oops")),
        (3, json!([1, 2])),
        (4, json!(42)),
        (5, json!(true)),
    ] {
        assert_eq!(
            s.peer.request(
                json!(id),
                "tools/call",
                json!({ "name": "add", "arguments": arguments })
            ),
            error(
                json!(id),
                -32602,
                "Invalid params: tools/call `arguments` must be an object"
            ),
            "arguments = {arguments}"
        );
    }
    assert_eq!(
        s.peer.request(
            json!(6),
            "tools/call",
            modern(json!({ "name": "add", "arguments": "oops" }))
        ),
        error(
            json!(6),
            -32602,
            "Invalid params: tools/call `arguments` must be an object"
        )
    );
    // `null` is the same as leaving `arguments` out: the tool reports what is missing.
    assert_eq!(
        s.peer.request(
            json!(7),
            "tools/call",
            json!({ "name": "echo", "arguments": null })
        )["result"]["isError"],
        json!(true)
    );
    // Values that break the tool's schema stay tool errors the model can react to.
    assert_eq!(
        s.peer.request(
            json!(8),
            "tools/call",
            json!({ "name": "add", "arguments": { "a": "x", "b": 1 } })
        )["result"]["isError"],
        json!(true)
    );
}

#[test]
fn session_errors() {
    let mut s = quickstart();
    initialize(&mut s, "2025-11-25");
    assert_eq!(
        s.peer
            .request(json!(2), "tools/call", json!({ "name": "nope" })),
        error(json!(2), -32602, "Unknown tool: nope")
    );
    assert_eq!(
        s.peer.request(json!(3), "foo/bar", json!({})),
        error(json!(3), -32601, "Method not found: foo/bar")
    );
    assert_eq!(
        s.peer.request(
            json!(4),
            "initialize",
            json!({
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": { "name": "again", "version": "1" }
            })
        ),
        error(
            json!(4),
            -32600,
            "Invalid Request: the session is already initialized"
        )
    );
}

#[test]
fn malformed_messages_get_spec_errors_and_the_server_keeps_serving() {
    let mut s = quickstart();
    assert_eq!(
        s.peer.exchange("{not json"),
        error(Value::Null, -32700, "Parse error")
    );
    assert_eq!(
        s.peer.exchange(r#"{"id":9,"method":"ping"}"#),
        error(json!(9), -32600, "Invalid Request: jsonrpc must be \"2.0\"")
    );
    assert_eq!(
        s.peer
            .exchange(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#),
        error(
            Value::Null,
            -32600,
            "Invalid Request: JSON-RPC batches are not supported"
        )
    );
    assert_eq!(
        s.peer
            .exchange(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#),
        error(
            Value::Null,
            -32600,
            "Invalid Request: id must be a string or an integer"
        )
    );
    assert_eq!(
        s.peer.exchange("42"),
        error(
            Value::Null,
            -32600,
            "Invalid Request: expected a JSON-RPC object"
        )
    );
    // Still serving.
    assert_eq!(
        s.peer
            .exchange(r#"{"jsonrpc":"2.0","id":10,"method":"ping"}"#),
        json!({ "jsonrpc": "2.0", "id": 10, "result": {} })
    );
}

/// `tools/call` params are read from the params index when they certainly parse; every
/// other shape goes through the full parse, and its error reads exactly as it always did
/// (columns of the params text included).
#[test]
fn call_params_of_every_shape_are_read_or_refused_as_before() {
    let mut s = quickstart();
    initialize(&mut s, "2025-11-25");
    let call = |s: &mut Spawned, id: u64, params: &str| {
        s.peer.exchange(&format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{params}}}"#
        ))
    };
    let invalid =
        |id: u64, detail: &str| error(json!(id), -32602, &format!("Invalid params: {detail}"));
    // Read from the index: plain, spaced, escapes elsewhere, `task` and `_meta` present.
    for (id, params) in [
        (2, r#"{"name":"add","arguments":{"a":2,"b":3}}"#),
        (
            3,
            r#" { "name" : "add" , "arguments" : { "a" : 2 , "b" : 3 } } "#,
        ),
        (
            4,
            r#"{"name":"add","arguments":{"a":2,"b":3},"note":"a \"b\" \u00e9"}"#,
        ),
        (
            5,
            r#"{"name":"add","arguments":{"a":2,"b":3},"task":null,"_meta":{"progressToken":"t"}}"#,
        ),
        (
            6,
            r#"{"x":[[[[]]],{"name":"y"}],"name":"add","arguments":{"a":2,"b":3}}"#,
        ),
        // The full parse decodes an escaped name.
        (7, r#"{"name":"\u0061dd","arguments":{"a":2,"b":3}}"#),
    ] {
        assert_eq!(
            call(&mut s, id, params),
            text_result(json!(id), "5"),
            "{params}"
        );
    }
    for (id, params, detail) in [
        (
            10,
            r#"{"name":"add","name":"add","arguments":{}}"#,
            "duplicate field `name` at line 1 column 20",
        ),
        (
            11,
            r#"{"name":"add","arguments":{},"arguments":{}}"#,
            "duplicate field `arguments` at line 1 column 40",
        ),
        (
            12,
            r#"{"name":"add","task":{},"task":null}"#,
            "duplicate field `task` at line 1 column 30",
        ),
        (
            13,
            r#"{"name":null}"#,
            "invalid type: null, expected a string at line 1 column 12",
        ),
        (
            14,
            r#"{"name":5}"#,
            "invalid type: integer `5`, expected a string at line 1 column 9",
        ),
        (
            15,
            r#"{"arguments":{}}"#,
            "missing field `name` at line 1 column 16",
        ),
        (
            17,
            r#"{"\ud800":1,"name":"add"}"#,
            "unexpected end of hex escape at line 1 column 9",
        ),
    ] {
        assert_eq!(call(&mut s, id, params), invalid(id, detail), "{params}");
    }
    // Params that are not an object fail at `_meta` first, as they always did.
    assert_eq!(
        call(&mut s, 16, r#"["add"]"#),
        error(
            json!(16),
            -32602,
            "invalid _meta: invalid type: string \"add\", expected a `_meta` object at line 1 column 6"
        )
    );
    // `arguments: null` is no arguments; a non-object is refused before the tool runs.
    let missing = call(&mut s, 20, r#"{"name":"add","arguments":null}"#);
    assert_eq!(missing["result"]["isError"], json!(true), "{missing}");
    assert_eq!(
        call(&mut s, 21, r#"{"name":"add","arguments":[2,3]}"#),
        invalid(21, "tools/call `arguments` must be an object")
    );
}

#[test]
fn request_before_initialize_is_rejected() {
    let mut s = quickstart();
    // No _meta and no session: treated as a 2026 request missing its metadata.
    assert_eq!(
        s.peer.request(json!(1), "tools/list", json!({})),
        error(
            json!(1),
            -32602,
            "Invalid params: `_meta[\"io.modelcontextprotocol/protocolVersion\"]` is required (2026-07-28 requests carry per-request metadata; session-era clients must send `initialize` first)"
        )
    );
}

#[test]
fn notifications_are_never_answered() {
    let mut s = quickstart();
    initialize(&mut s, "2025-11-25");
    for n in [
        json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }),
        json!({ "jsonrpc": "2.0", "method": "notifications/unknown", "params": {} }),
        json!({ "jsonrpc": "2.0", "method": "notifications/cancelled", "params": { "requestId": 99 } }),
        json!({ "jsonrpc": "2.0", "method": "tools/list" }),
    ] {
        s.peer.send(&n);
    }
    // The next line is the answer to the ping: nothing was sent for the notifications.
    assert_eq!(
        s.peer
            .exchange(r#"{"jsonrpc":"2.0","id":"after","method":"ping"}"#),
        json!({ "jsonrpc": "2.0", "id": "after", "result": {} })
    );
}

#[test]
fn ids_are_echoed_exactly() {
    let mut s = quickstart();
    initialize(&mut s, "2025-11-25");
    for (id, raw) in [
        (r#""abc""#, r#""abc""#),
        (r#""x\"y\u00e9""#, r#""x\"yé""#),
        ("0", "0"),
        ("-7", "-7"),
        ("9007199254740993", "9007199254740993"),
        (r#""""#, r#""""#),
    ] {
        let line = s
            .peer
            .exchange_raw(&format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#));
        assert_eq!(
            line,
            format!(r#"{{"jsonrpc":"2.0","id":{raw},"result":{{}}}}"#)
        );
    }
}

#[test]
fn stdin_eof_exits_zero() {
    let mut s = quickstart();
    initialize(&mut s, "2025-11-25");
    s.peer.close();
    assert_eq!(s.wait_exit(), Some(0));
    assert!(s.peer.closed(), "stdout must close with the process");
}

#[test]
fn eof_lets_in_flight_requests_answer() {
    let mut s = quickstart();
    initialize(&mut s, "2025-11-25");
    s.peer.send(&json!({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": { "name": "add", "arguments": { "a": 1, "b": 1 } }
    }));
    s.peer.close();
    assert_eq!(s.peer.recv(), text_result(json!(2), "2"));
    assert_eq!(s.wait_exit(), Some(0));
}

// ---- 2026-07-28 era ------------------------------------------------------------------

#[test]
fn discover_is_exact() {
    let mut s = quickstart();
    assert_eq!(
        s.peer
            .request(json!(1), "server/discover", modern(json!({}))),
        json!({
            "jsonrpc": "2.0",
            "id": 1,
            "result": {
                "resultType": "complete",
                "ttlMs": 0,
                "cacheScope": "public",
                "supportedVersions": ["2026-07-28"],
                "capabilities": { "tools": { "listChanged": true }, "logging": {}, "prompts": { "listChanged": true }, "resources": { "listChanged": true, "subscribe": true } },
                "_meta": { "io.modelcontextprotocol/serverInfo": server_info() }
            }
        })
    );
}

#[test]
fn modern_missing_meta_is_invalid_params() {
    let mut s = quickstart();
    let missing = |key: &str| {
        format!("Invalid params: `_meta[\"{key}\"]` is required (2026-07-28 requests carry per-request metadata; session-era clients must send `initialize` first)")
    };
    assert_eq!(
        s.peer.request(json!(1), "server/discover", json!({})),
        error(
            json!(1),
            -32602,
            &missing("io.modelcontextprotocol/protocolVersion")
        )
    );
    assert_eq!(
        s.peer.request(
            json!(2),
            "tools/list",
            json!({ "_meta": { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } })
        ),
        error(
            json!(2),
            -32602,
            &missing("io.modelcontextprotocol/clientCapabilities")
        )
    );
}

#[test]
fn modern_unsupported_version() {
    let mut s = quickstart();
    let params = json!({ "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2099-01-01",
        "io.modelcontextprotocol/clientCapabilities": {}
    }});
    assert_eq!(
        s.peer.request(json!(1), "tools/list", params),
        json!({
            "jsonrpc": "2.0",
            "id": 1,
            "error": {
                "code": -32022,
                "message": "Unsupported protocol version",
                "data": { "supported": ["2026-07-28"], "requested": "2099-01-01" }
            }
        })
    );
}

#[test]
fn modern_tools_list_and_call_carry_result_type() {
    let mut s = quickstart();
    assert_eq!(
        s.peer.request(json!(1), "tools/list", modern(json!({}))),
        json!({
            "jsonrpc": "2.0",
            "id": 1,
            "result": {
                "resultType": "complete",
                "ttlMs": 0,
                "cacheScope": "public",
                "tools": quickstart_tools()
            }
        })
    );
    assert_eq!(
        s.peer.request(
            json!("c"),
            "tools/call",
            modern(json!({ "name": "add", "arguments": { "a": 1, "b": 2 } }))
        ),
        json!({
            "jsonrpc": "2.0",
            "id": "c",
            "result": { "resultType": "complete", "content": [{ "type": "text", "text": "3" }] }
        })
    );
    assert_eq!(
        s.peer.request(
            json!(3),
            "tools/call",
            modern(json!({ "name": "word_count", "arguments": { "text": "a b" } }))
        ),
        json!({
            "jsonrpc": "2.0",
            "id": 3,
            "result": {
                "resultType": "complete",
                "content": [{ "type": "text", "text": "{\"chars\":3,\"lines\":1,\"words\":2}" }],
                "structuredContent": { "words": 2, "chars": 3, "lines": 1 }
            }
        })
    );
    assert_eq!(
        s.peer.request(
            json!(4),
            "tools/call",
            modern(json!({ "name": "divide", "arguments": { "a": 1, "b": 0 } }))
        ),
        json!({
            "jsonrpc": "2.0",
            "id": 4,
            "result": {
                "resultType": "complete",
                "content": [{ "type": "text", "text": "division by zero" }],
                "isError": true
            }
        })
    );
    assert_eq!(
        s.peer.request(
            json!(5),
            "tools/call",
            modern(json!({ "name": "echo", "arguments": {} }))
        ),
        json!({
            "jsonrpc": "2.0",
            "id": 5,
            "result": {
                "resultType": "complete",
                "content": [{
                    "type": "text",
                    "text": "Invalid arguments for tool `echo`: missing required argument `text`"
                }],
                "isError": true
            }
        })
    );
    assert_eq!(
        s.peer
            .request(json!(6), "tools/call", modern(json!({ "name": "nope" }))),
        error(json!(6), -32602, "Unknown tool: nope")
    );
    assert_eq!(
        s.peer.request(json!(7), "nope/nope", modern(json!({}))),
        error(json!(7), -32601, "Method not found: nope/nope")
    );
}

#[test]
fn modern_era_has_no_session_methods() {
    let mut s = quickstart();
    for (id, method, extra) in [
        (1, "ping", json!({})),
        (
            2,
            "initialize",
            json!({ "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "x", "version": "1" } }),
        ),
        (3, "logging/setLevel", json!({ "level": "info" })),
    ] {
        let mut params = extra;
        params["_meta"] = modern_meta();
        assert_eq!(
            s.peer.request(json!(id), method, params),
            error(json!(id), -32601, &format!("Method not found: {method}"))
        );
    }
}

#[test]
fn both_eras_on_one_connection() {
    // A 2026 request does not need (or disturb) a session; the session keeps working.
    let mut s = quickstart();
    initialize(&mut s, "2025-06-18");
    assert_eq!(
        s.peer.request(
            json!(2),
            "tools/call",
            modern(json!({ "name": "add", "arguments": { "a": 1, "b": 2 } }))
        ),
        json!({
            "jsonrpc": "2.0", "id": 2,
            "result": { "resultType": "complete", "content": [{ "type": "text", "text": "3" }] }
        })
    );
    assert_eq!(
        s.peer.request(
            json!(3),
            "tools/call",
            json!({ "name": "add", "arguments": { "a": 1, "b": 2 } })
        ),
        text_result(json!(3), "3")
    );
}

/// Started by hand in a terminal, the server says what it is on stderr (and quits on
/// Ctrl-D). `script` gives the child a pseudo-terminal as stdin.
#[test]
fn a_terminal_on_stdin_gets_one_line_saying_what_this_is() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    if Command::new("script").arg("--version").output().is_err() {
        common::skip::skip(
            "a_terminal_on_stdin_gets_one_line_saying_what_this_is",
            "needs `script` (util-linux, Debian's bsdutils) to give the server a terminal",
        );
        return;
    }
    let exe = common::example_bin("quickstart");
    let mut child = Command::new("script")
        .args(["-q", "-e", "-c"])
        .arg(&exe)
        .arg("/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script runs");
    std::thread::sleep(std::time::Duration::from_millis(300));
    // Ctrl-D: end of input on the terminal.
    child.stdin.take().unwrap().write_all(b"\x04").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", out.status);
    let screen = String::from_utf8_lossy(&out.stdout);
    let notices: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("is an MCP server speaking JSON-RPC on stdin/stdout"))
        .collect();
    assert_eq!(notices.len(), 1, "terminal output: {screen:?}");
    assert!(
        notices[0].starts_with("mcpserve is an MCP server")
            && notices[0].contains("npx @modelcontextprotocol/inspector")
            && notices[0].contains("Ctrl-D quits"),
        "{}",
        notices[0]
    );
}

/// Launched by a client (pipes), the server writes nothing but protocol.
#[test]
fn pipes_get_no_terminal_notice() {
    use std::process::{Command, Stdio};
    let out = Command::new(common::example_bin("quickstart"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("is an MCP server speaking JSON-RPC"),
        "stderr: {stderr}"
    );
}

/// 2026 `_meta` of every shape: read, or refused with serde_json's words and columns for
/// the `_meta` object, exactly as a full parse of it words them (a malformed clientInfo
/// included: it is checked up front even though it is read only when a handler asks).
#[test]
fn modern_meta_of_every_shape_is_read_or_refused_as_before() {
    let mut s = quickstart();
    for (id, (meta, expected)) in [
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":5}"#,
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"invalid _meta: invalid type: integer `5`, expected struct Implementation at line 1 column 142"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"c"}}"#,
            r#"{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"invalid _meta: missing field `version` at line 1 column 153"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":1,"version":"1"}}"#,
            r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"invalid _meta: invalid type: integer `1`, expected a string at line 1 column 150"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"c","name":"d","version":"1"}}"#,
            r#"{"jsonrpc":"2.0","id":4,"error":{"code":-32602,"message":"invalid _meta: duplicate field `name` at line 1 column 159"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"c","version":"1","icons":[{"sizes":[]}]}}"#,
            r#"{"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"invalid _meta: missing field `src` at line 1 column 188"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":[],"x":1}"#,
            r#"{"jsonrpc":"2.0","id":6,"error":{"code":-32602,"message":"invalid _meta: invalid length 0, expected struct Implementation with 6 elements at line 1 column 143"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":"c","io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"}}"#,
            r#"{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"invalid _meta: invalid type: string \"c\", expected struct Implementation at line 1 column 144"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},"io.modelcontextprotocol/clientInfo":5}"#,
            r#"{"jsonrpc":"2.0","id":8,"error":{"code":-32602,"message":"invalid _meta: invalid type: integer `5`, expected struct Implementation at line 1 column 206"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/client\u0049nfo":7}"#,
            r#"{"jsonrpc":"2.0","id":9,"error":{"code":-32602,"message":"invalid _meta: invalid type: integer `7`, expected struct Implementation at line 1 column 147"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"progressToken":1.5}"#,
            r#"{"jsonrpc":"2.0","id":10,"error":{"code":-32602,"message":"invalid _meta: invalid type: floating point `1.5`, expected a string or integer id at line 1 column 123"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"progressToken":[1]}"#,
            r#"{"jsonrpc":"2.0","id":11,"error":{"code":-32602,"message":"invalid _meta: invalid type: sequence, expected a string or integer id at line 1 column 121"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"progressToken":18446744073709551615}"#,
            r#"{"jsonrpc":"2.0","id":12,"error":{"code":-32602,"message":"invalid _meta: id out of range at line 1 column 140"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":null}"#,
            r#"{"jsonrpc":"2.0","id":13,"result":{"resultType":"complete","content":[{"type":"text","text":"3"}]}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":["c","1"]}"#,
            r#"{"jsonrpc":"2.0","id":14,"result":{"resultType":"complete","content":[{"type":"text","text":"3"}]}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":["c"]}"#,
            r#"{"jsonrpc":"2.0","id":15,"error":{"code":-32602,"message":"invalid _meta: invalid length 1, expected struct Implementation with 6 elements at line 1 column 146"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"c\u0041","version":"1","websiteUrl":"https://x"}}"#,
            r#"{"jsonrpc":"2.0","id":16,"result":{"resultType":"complete","content":[{"type":"text","text":"3"}]}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":7,"io.modelcontextprotocol/clientCapabilities":{}}"#,
            r#"{"jsonrpc":"2.0","id":17,"error":{"code":-32022,"message":"Unsupported protocol version","data":{"requested":7,"supported":["2026-07-28"]}}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":[]}"#,
            r#"{"jsonrpc":"2.0","id":18,"error":{"code":-32602,"message":"`_meta[\"io.modelcontextprotocol/clientCapabilities\"]` must be an object"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/logLevel":"loud"}"#,
            r#"{"jsonrpc":"2.0","id":19,"error":{"code":-32602,"message":"Invalid log level in `_meta[\"io.modelcontextprotocol/logLevel\"]`"}}"#,
        ),
        (
            r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-\u0032\u0038","io.modelcontextprotocol/clientCapabilities":{}}"#,
            r#"{"jsonrpc":"2.0","id":20,"result":{"resultType":"complete","content":[{"type":"text","text":"3"}]}}"#,
        ),
        (
            r#"5"#,
            r#"{"jsonrpc":"2.0","id":21,"error":{"code":-32602,"message":"invalid _meta: invalid type: integer `5`, expected a `_meta` object at line 1 column 1"}}"#,
        ),
        (
            r#""x""#,
            r#"{"jsonrpc":"2.0","id":22,"error":{"code":-32602,"message":"invalid _meta: invalid type: string \"x\", expected a `_meta` object at line 1 column 3"}}"#,
        ),
        (
            r#"[]"#,
            r#"{"jsonrpc":"2.0","id":23,"error":{"code":-32602,"message":"invalid _meta: invalid type: sequence, expected a `_meta` object at line 1 column 0"}}"#,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let line = format!(
            r#"{{"jsonrpc":"2.0","id":{},"method":"tools/call","params":{{"name":"add","arguments":{{"a":1,"b":2}},"_meta":{meta}}}}}"#,
            id + 1
        );
        assert_eq!(s.peer.exchange_raw(&line).trim_end(), expected, "{meta}");
    }
}
