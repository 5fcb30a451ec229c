//! A line-based JSON-RPC peer for wire tests against the example binaries.
#![allow(dead_code)] // each test binary uses a different part

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

pub mod skip;

/// Bound on waiting for any single message; a hang fails the test instead of blocking CI.
pub const WAIT: Duration = Duration::from_secs(20);

/// The URL an HTTP example announces on its first stdout line (`listening on URL`);
/// takes the child's piped stdout.
pub fn listening_url(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("read the listening line");
    line.trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned()
}

/// The path of an example binary built by `cargo test` (next to the test executable:
/// `target/<profile>/deps/<test>` → `target/<profile>/examples/<name>`).
pub fn example_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test executable lives in target/<profile>/deps");
    let path = dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} not found; `cargo test` builds examples (run `cargo build --examples`)",
        path.display()
    );
    path
}

/// One side of a newline-delimited JSON-RPC connection.
pub struct Peer {
    writer: Option<Box<dyn Write + Send>>,
    lines: mpsc::Receiver<String>,
}

impl Peer {
    pub fn new(reader: impl Read + Send + 'static, writer: impl Write + Send + 'static) -> Self {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Peer {
            writer: Some(Box::new(writer)),
            lines: rx,
        }
    }

    /// Writes one raw line.
    pub fn send_raw(&mut self, line: &str) {
        let w = self.writer.as_mut().expect("writer closed");
        w.write_all(line.as_bytes()).expect("write");
        w.write_all(b"\n").expect("write");
        w.flush().expect("flush");
    }

    /// Writes one message.
    pub fn send(&mut self, message: &Value) {
        self.send_raw(&message.to_string());
    }

    /// The next raw line from the server.
    pub fn recv_raw(&mut self) -> String {
        self.lines
            .recv_timeout(WAIT)
            .unwrap_or_else(|e| panic!("no message from the server within {WAIT:?}: {e}"))
    }

    /// The next message from the server.
    pub fn recv(&mut self) -> Value {
        let line = self.recv_raw();
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("server sent invalid JSON ({e}): {line}"))
    }

    /// Sends a raw line and returns the raw line that answers it.
    pub fn exchange_raw(&mut self, line: &str) -> String {
        self.send_raw(line);
        self.recv_raw()
    }

    /// Sends a raw line and returns the message that answers it.
    pub fn exchange(&mut self, line: &str) -> Value {
        self.send_raw(line);
        self.recv()
    }

    /// Sends a request and returns its response.
    pub fn request(&mut self, id: Value, method: &str, params: Value) -> Value {
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.recv()
    }

    /// Closes the writing side (end of file for the server).
    pub fn close(&mut self) {
        self.writer = None;
    }

    /// True when the server closed its side without sending anything more.
    pub fn closed(&mut self) -> bool {
        match self.lines.recv_timeout(WAIT) {
            Err(mpsc::RecvTimeoutError::Disconnected) => true,
            Ok(line) => panic!("unexpected message: {line}"),
            Err(mpsc::RecvTimeoutError::Timeout) => false,
        }
    }
}

/// A spawned server speaking JSON-RPC on its stdio; killed on drop if still running.
pub struct Spawned {
    pub child: Child,
    pub peer: Peer,
}

impl Spawned {
    pub fn stdio(bin: &str, args: &[&str]) -> Self {
        let mut child = Command::new(example_bin(bin))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn example");
        let stdin: ChildStdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        Spawned {
            child,
            peer: Peer::new(stdout, stdin),
        }
    }

    /// Waits (bounded) for the process to exit and returns its status code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "server did not exit within {WAIT:?} after end of input"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `_meta` of a 2026-07-28 request.
pub fn modern_meta() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { "name": "wire-test", "version": "1.0.0" }
    })
}

/// `params` with the 2026 `_meta` merged in.
pub fn modern(mut params: Value) -> Value {
    params["_meta"] = modern_meta();
    params
}

/// The quickstart's `tools/list` entries, exactly.
pub fn quickstart_tools() -> Value {
    json!([
        {
            "name": "add",
            "description": "Add two numbers.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "a": { "description": "The left operand.", "type": "integer" },
                    "b": { "description": "The right operand.", "type": "integer" }
                },
                "required": ["a", "b"]
            },
            "annotations": { "readOnlyHint": true, "idempotentHint": true }
        },
        {
            "name": "echo",
            "description": "Echo the text back.",
            "inputSchema": {
                "type": "object",
                "properties": { "text": { "description": "Text to echo.", "type": "string" } },
                "required": ["text"]
            },
            "annotations": { "readOnlyHint": true }
        },
        {
            "name": "word_count",
            "description": "Count the words, characters and lines of a text.",
            "inputSchema": {
                "type": "object",
                "properties": { "text": { "description": "The text to analyse.", "type": "string" } },
                "required": ["text"]
            },
            "outputSchema": {
                "title": "WordStats",
                "description": "Counts of words, characters and lines.",
                "type": "object",
                "properties": {
                    "words": { "description": "Whitespace-separated words.", "minimum": 0, "type": "integer" },
                    "chars": { "description": "Unicode scalar values.", "minimum": 0, "type": "integer" },
                    "lines": { "description": "Lines.", "minimum": 0, "type": "integer" }
                },
                "required": ["words", "chars", "lines"]
            },
            "annotations": { "readOnlyHint": true, "idempotentHint": true }
        },
        {
            "name": "divide",
            "description": "Divide `a` by `b`.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "a": { "description": "Dividend.", "type": "number" },
                    "b": { "description": "Divisor; must not be zero.", "type": "number" }
                },
                "required": ["a", "b"]
            },
            "annotations": { "readOnlyHint": true, "idempotentHint": true }
        }
    ])
}

/// `serverInfo` of the examples: the `mcpserve` package's metadata, which the examples
/// belong to.
pub fn server_info() -> Value {
    json!({
        "name": "mcpserve",
        "version": "0.1.0",
        "description": "Write Model Context Protocol servers as plain annotated Rust functions."
    })
}
