//! Tests that need an external component (the Python SDK, `script` for a terminal) skip
//! with a notice when it is missing, and fail instead under `CI=true`, where a silent skip
//! would hide a regression.
//!
//! The notice is written to the process's stderr directly: the test harness captures
//! `print!`/`eprint!` of passing tests, so an `eprintln!` notice would never be seen.

#![allow(dead_code)] // each test binary uses part of it
use std::io::Write;

/// The Python SDK's version the client tests are written against (`tests/clients/requirements.txt`).
pub const PYTHON_SDK: &str = "mcp==2.3.0";

/// Prints `SKIPPED <test>: <how to enable>` where `cargo test` shows it, or panics under
/// `CI=true`.
pub fn skip(test: &str, enable: &str) {
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "{test} must run in CI: {enable}"
    );
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {enable}");
}

/// `MCPSERVE_PYTHON`, or a skip notice saying how to set it up.
pub fn python(test: &str) -> Option<std::ffi::OsString> {
    match std::env::var_os("MCPSERVE_PYTHON") {
        Some(p) if !p.is_empty() => Some(p),
        _ => {
            skip(
                test,
                &format!(
                    "set MCPSERVE_PYTHON to a Python with the official SDK ({PYTHON_SDK}): \
                     `bash .ci/run` creates .venv, then MCPSERVE_PYTHON=.venv/bin/python cargo test"
                ),
            );
            None
        }
    }
}

/// `MCPSERVE_PYTHON1` (a Python with the SDK 1.x, `mcp==1.30.0`), or a skip notice.
pub fn python1(test: &str) -> Option<std::ffi::OsString> {
    match std::env::var_os("MCPSERVE_PYTHON1") {
        Some(p) if !p.is_empty() => Some(p),
        _ => {
            skip(
                test,
                "set MCPSERVE_PYTHON1 to a Python with `mcp==1.30.0` (`bash .ci/run` creates \
                 .venv-mcp1, then MCPSERVE_PYTHON1=.venv-mcp1/bin/python cargo test)",
            );
            None
        }
    }
}
