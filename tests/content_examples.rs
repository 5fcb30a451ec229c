//! The `files` and `quickstart` examples over real stdio: exact wire messages in both
//! eras, a clean exit at end of input, and the official Python SDK reading a templated
//! resource and getting a prompt (when `MCPSERVE_PYTHON` points at a Python with `mcp` 2.3.0).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "common/skip.rs"]
mod skip;

/// An example binary, built on demand (cargo builds examples for `cargo test`, but not
/// for `cargo test --test content_examples`).
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let bin = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the {name} example failed");
    }
    bin
}

/// A fresh directory with `hello.txt` and `sub/data.bin`.
fn fixture(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcpserve-files-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("hello.txt"), "hello world\n").unwrap();
    std::fs::write(dir.join("sub/data.bin"), [0u8, 1, 2]).unwrap();
    dir
}

/// Sends `requests` one per line, closes stdin, and returns every response by id plus
/// the exit status. Fails if the server does not exit after end of input.
fn exchange(dir: &Path, requests: &[Value]) -> (Vec<Value>, std::process::ExitStatus) {
    exchange_with(&example("files"), &[dir.as_os_str()], requests)
}

fn exchange_with(
    bin: &Path,
    args: &[&std::ffi::OsStr],
    requests: &[Value],
) -> (Vec<Value>, std::process::ExitStatus) {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn files example");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let expected = requests.iter().filter(|r| r.get("id").is_some()).count();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(serde_json::from_str::<Value>(&line).expect("JSON line"));
        }
    });
    let mut responses = Vec::new();
    for r in requests {
        writeln!(stdin, "{r}").unwrap();
        stdin.flush().unwrap();
        // Like a real client, wait for the handshake before sending anything else
        // (requests are handled concurrently).
        if r["method"] == "initialize" {
            responses.push(
                rx.recv_timeout(Duration::from_secs(30))
                    .expect("initialize response"),
            );
        }
    }
    drop(stdin);
    // A hang guard, not a timing assertion: a server that never exits fails here.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{} did not exit after end of input", bin.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    reader.join().unwrap();
    responses.extend(rx.try_iter());
    assert_eq!(responses.len(), expected, "responses: {responses:#?}");
    responses.sort_by_key(|r| r["id"].as_i64());
    (responses, status)
}

fn init() -> Value {
    json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
}

fn modern(id: i64, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

#[test]
fn session_era_over_stdio() {
    let dir = fixture("session");
    let (r, status) = exchange(
        &dir,
        &[
            init(),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "file:///hello.txt"}}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "resources/read", "params": {"uri": "file:///sub/data.bin"}}),
            json!({"jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {"uri": "file:///missing.txt"}}),
            json!({"jsonrpc": "2.0", "id": 4, "method": "resources/subscribe", "params": {"uri": "file:///hello.txt"}}),
            json!({"jsonrpc": "2.0", "id": 5, "method": "completion/complete", "params": {
                "ref": {"type": "ref/resource", "uri": "file:///{+path}"}, "argument": {"name": "path", "value": "h"}}}),
        ],
    );
    assert!(status.success());
    assert_eq!(
        r[1],
        json!({"jsonrpc": "2.0", "id": 1, "result": {"contents": [
            {"uri": "file:///hello.txt", "mimeType": "text/plain", "text": "hello world\n"}]}})
    );
    assert_eq!(
        r[2],
        json!({"jsonrpc": "2.0", "id": 2, "result": {"contents": [
            {"uri": "file:///sub/data.bin", "mimeType": "application/octet-stream", "blob": "AAEC"}]}})
    );
    assert_eq!(
        r[3],
        json!({"jsonrpc": "2.0", "id": 3, "error": {"code": -32002,
            "message": "Resource not found: file:///missing.txt", "data": {"uri": "file:///missing.txt"}}})
    );
    assert_eq!(r[4], json!({"jsonrpc": "2.0", "id": 4, "result": {}}));
    assert_eq!(
        r[5],
        json!({"jsonrpc": "2.0", "id": 5, "result": {"completion": {"values": ["hello.txt"]}}})
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sessionless_era_over_stdio() {
    let dir = fixture("sessionless");
    let (r, status) = exchange(
        &dir,
        &[
            modern(1, "resources/read", json!({"uri": "file:///hello.txt"})),
            modern(2, "resources/read", json!({"uri": "file:///missing.txt"})),
            modern(3, "resources/templates/list", json!({})),
            modern(
                4,
                "prompts/get",
                json!({"name": "summarize", "arguments": {"path": "hello.txt"}}),
            ),
        ],
    );
    assert!(status.success());
    assert_eq!(
        r[0],
        json!({"jsonrpc": "2.0", "id": 1, "result": {"contents": [
            {"uri": "file:///hello.txt", "mimeType": "text/plain", "text": "hello world\n"}],
            "resultType": "complete", "ttlMs": 0, "cacheScope": "private"}})
    );
    assert_eq!(
        r[1],
        json!({"jsonrpc": "2.0", "id": 2, "error": {"code": -32602,
            "message": "Resource not found: file:///missing.txt", "data": {"uri": "file:///missing.txt"}}})
    );
    assert_eq!(
        r[2],
        json!({"jsonrpc": "2.0", "id": 3, "result": {"resourceTemplates": [
            {"uriTemplate": "file:///{+path}", "name": "file", "description": "A file under the served directory."}],
            "resultType": "complete", "ttlMs": 0, "cacheScope": "public"}})
    );
    assert_eq!(
        r[3],
        json!({"jsonrpc": "2.0", "id": 4, "result": {
            "description": "Ask the model to summarize a file; the file travels as an embedded resource.",
            "messages": [
            {"role": "user", "content": {"type": "resource", "resource":
                {"uri": "file:///hello.txt", "mimeType": "text/plain", "text": "hello world\n"}}},
            {"role": "user", "content": {"type": "text", "text": "Summarize this file."}}],
            "resultType": "complete"}})
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn python_sdk_reads_a_templated_resource_and_gets_a_prompt() {
    let Some(python) = skip::python("python_sdk_reads_a_templated_resource_and_gets_a_prompt")
    else {
        return;
    };
    let dir = fixture("python");
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/python_resources_client.py");
    for era in ["legacy", "modern"] {
        let out = Command::new(&python)
            .arg(&script)
            .args(["--era", era])
            .arg(example("files"))
            .arg(&dir)
            .output()
            .expect("python runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "python client failed ({era})");
        assert!(stdout.contains("11 passed, 0 failed"), "{stdout}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn quickstart_serves_a_resource_a_template_and_a_prompt() {
    let (r, status) = exchange_with(
        &example("quickstart"),
        &[],
        &[
            init(),
            json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "greetings://Ada%20Lovelace"}}),
            json!({"jsonrpc": "2.0", "id": 2, "method": "prompts/get", "params": {"name": "explain_code", "arguments": {"code": "1+1"}}}),
            json!({"jsonrpc": "2.0", "id": 3, "method": "resources/list"}),
        ],
    );
    assert!(status.success());
    // Nothing can complete in the quickstart, so no `completions` capability.
    assert_eq!(
        r[0]["result"]["capabilities"],
        json!({"tools": {"listChanged": true}, "logging": {},
               "resources": {"subscribe": true, "listChanged": true}, "prompts": {"listChanged": true}})
    );
    assert_eq!(
        r[1],
        json!({"jsonrpc": "2.0", "id": 1, "result": {"contents": [
            {"uri": "greetings://Ada%20Lovelace", "mimeType": "text/plain", "text": "Hello, Ada Lovelace!"}]}})
    );
    assert_eq!(
        r[2],
        json!({"jsonrpc": "2.0", "id": 2, "result": {
            "description": "Ask the model to explain a piece of code.",
            "messages": [
            {"role": "user", "content": {"type": "text", "text": "Explain this code:\n\n1+1"}}]}})
    );
    assert_eq!(
        r[3],
        json!({"jsonrpc": "2.0", "id": 3, "result": {"resources": [
            {"uri": "info://about", "name": "about", "description": "What this server offers.", "mimeType": "text/markdown"}]}})
    );
}
