//! The official Python MCP SDK (`tests/clients/python_stdio_client.py`) against the
//! quickstart binary, in both protocol eras and with era auto-detection.
//!
//! Needs `MCPSERVE_PYTHON`: a Python with the SDK pinned in `clients/requirements.txt`
//! (`.ci/run` builds one in `.venv`; locally: `MCPSERVE_PYTHON=.venv/bin/python cargo test
//! --test python_client`). Without it the test prints a skip notice and passes, except
//! under `CI=true` (see `common/skip.rs`).

mod common;

use std::path::Path;
use std::process::Command;

fn run(era: &str) {
    let Some(python) = common::skip::python(&format!("python_client_{era}_era")) else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/python_stdio_client.py");
    let server = common::example_bin("quickstart");
    let out = Command::new(&python)
        .arg(&script)
        .args(["--era", era, "--timeout", "120"])
        .arg(&server)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.to_string_lossy()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "python client (--era {era}) failed: {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains(" passed, 0 failed"),
        "unexpected summary (--era {era}):\n{stdout}"
    );
}

#[test]
fn python_client_legacy_era() {
    run("legacy");
}

#[test]
fn python_client_modern_era() {
    run("modern");
}

#[test]
fn python_client_auto_era() {
    run("auto");
}
