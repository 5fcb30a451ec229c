//! The official Python SDK (`mcp==2.3.0`) calling through `examples/proxy.rs`, in both
//! eras, to (a) the quickstart over stdio, (b) the official
//! `@modelcontextprotocol/server-everything` over stdio and (c) the conformance fixture
//! over HTTP. Needs `MCPSERVE_PYTHON` (`bash .ci/run` makes `.venv`) and, for (b), Node
//! and `tests/everything/node_modules` (`npm ci` there; `.ci/run` does it). Each test
//! skips with a notice when its component is missing, and fails instead under `CI=true`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Prints `SKIPPED <test>: <how to enable>` where `cargo test` shows it (the harness
/// captures `println!` of passing tests, not the process's stderr), or fails under CI.
fn skip(test: &str, enable: &str) {
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "{test} must run in CI: {enable}"
    );
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {enable}");
}

fn python(test: &str) -> Option<std::ffi::OsString> {
    match std::env::var_os("MCPSERVE_PYTHON") {
        Some(p) if !p.is_empty() => Some(p),
        _ => {
            skip(
                test,
                "set MCPSERVE_PYTHON to a Python with the official SDK (mcp==2.3.0): `bash .ci/run` creates .venv, then MCPSERVE_PYTHON=.venv/bin/python cargo test",
            );
            None
        }
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A child process killed (by its PID) when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `bin args...` and waits for its `listening on URL` line.
fn start(bin: &Path, args: &[&str]) -> (Running, String) {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(url) = line.strip_prefix("listening on ") {
                let _ = tx.send(url.to_owned());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("{} did not say where it listens", bin.display()));
    (Running(child), url)
}

fn run_python(python: &std::ffi::OsStr, script: &str, args: &[&str]) {
    let output = Command::new(python)
        .arg(repo().join("tests/clients").join(script))
        .args(args)
        .output()
        .expect("could not run MCPSERVE_PYTHON");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the Python client failed:\n{stdout}"
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

#[test]
fn python_sdk_through_the_proxy_to_the_quickstart_over_stdio() {
    let Some(python) = python("python_sdk_through_the_proxy_to_the_quickstart_over_stdio") else {
        return;
    };
    let quickstart = common::example_bin("quickstart");
    let (_proxy, url) = start(
        &common::example_bin("proxy"),
        &["--port", "0", "--", quickstart.to_str().unwrap()],
    );
    run_python(
        &python,
        "python_http_client.py",
        &["--era", "all", "--timeout", "120", &url],
    );
}

/// `tests/everything/node_modules/@modelcontextprotocol/server-everything`, or a skip.
fn everything(test: &str) -> Option<PathBuf> {
    let script = std::env::var_os("MCPSERVE_EVERYTHING")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            repo().join("tests/everything/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
        });
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if script.exists() && node {
        return Some(script);
    }
    skip(
        test,
        "needs node and @modelcontextprotocol/server-everything: `(cd tests/everything && npm ci)` (bash .ci/run does it)",
    );
    None
}

#[test]
fn python_sdk_through_the_proxy_to_server_everything_over_stdio() {
    let test = "python_sdk_through_the_proxy_to_server_everything_over_stdio";
    let Some(python) = python(test) else { return };
    let Some(script) = everything(test) else {
        return;
    };
    let (_proxy, url) = start(
        &common::example_bin("proxy"),
        &[
            "--port",
            "0",
            "--",
            "node",
            script.to_str().unwrap(),
            "stdio",
        ],
    );
    run_python(
        &python,
        "python_proxy_client.py",
        &["--upstream", "everything", "--era", "all", &url],
    );
}

#[test]
fn python_sdk_through_the_proxy_to_the_conformance_fixture_over_http() {
    let test = "python_sdk_through_the_proxy_to_the_conformance_fixture_over_http";
    let Some(python) = python(test) else { return };
    let (_fixture, upstream) = start(&common::example_bin("conformance"), &["--port", "0"]);
    let (_proxy, url) = start(
        &common::example_bin("proxy"),
        &["--port", "0", "--upstream-url", &upstream],
    );
    run_python(
        &python,
        "python_proxy_client.py",
        &["--upstream", "conformance", "--era", "all", &url],
    );
}
