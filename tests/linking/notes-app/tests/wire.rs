//! Tools from a library crate, over real stdio: `serverInfo` names the binary, not the
//! library that defines the tools, and a library the binary never names is reported at
//! startup with the fix.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

/// Sends `initialize` and `tools/list`, closes stdin, and returns both answers and stderr.
fn talk(exe: &str) -> (Value, Value, String) {
    let mut child = Command::new(exe)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let mut stdin = child.stdin.take().unwrap();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "wire-test", "version": "0"}}});
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    for m in [&init, &initialized, &list] {
        writeln!(stdin, "{m}").unwrap();
    }
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let second: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{exe} exited with {}", out.status);
    (
        first,
        second,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn server_info_names_the_binary_not_the_library_with_the_tools() {
    let (init, list, _) = talk(env!("CARGO_BIN_EXE_notes-app"));
    assert_eq!(
        init["result"]["serverInfo"],
        json!({ "name": "notes-app", "version": "0.0.0" })
    );
    assert_eq!(list["result"]["tools"][0]["name"], "add_note");
}

#[test]
fn an_unlinked_tools_crate_is_reported_with_the_fix() {
    let (_, list, stderr) = talk(env!("CARGO_BIN_EXE_notes-unlinked"));
    assert_eq!(list["result"]["tools"], json!([]));
    assert!(
        stderr.contains("no tools, resources or prompts are registered")
            && stderr.contains("`use my_tools as _;`"),
        "stderr: {stderr}"
    );
}
