//! The official Python SDK (`mcp==2.3.0`) against the quickstart tools over Streamable
//! HTTP, in both protocol eras. Runs when `MCPSERVE_PYTHON` names a Python with the SDK
//! (`bash .ci/run` sets it up); skipped otherwise, except under `CI=true`.
#![cfg(feature = "http")]

#[path = "common/python_client.rs"]
mod python_client;

#[path = "common/skip.rs"]
mod skip;

// The quickstart's tools, registered in this test binary.
#[allow(dead_code)]
#[path = "../examples/quickstart.rs"]
mod quickstart;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_client_over_http_in_both_eras() {
    let Some(python) = skip::python("python_sdk_client_over_http_in_both_eras") else {
        return;
    };
    python_client::run_against_registry(
        python,
        "tests/clients/python_http_client.py",
        &["--era", "all", "--timeout", "120"],
        "the Python client",
    )
    .await;
}

/// The skip notice reaches `cargo test`'s output: this binary, run again with only the
/// Python test selected and no Python configured, prints it on stderr although the test
/// passes (the harness swallows `eprintln!` of passing tests).
#[test]
fn skip_notice_is_visible_in_test_output() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "python_sdk_client_over_http_in_both_eras"])
        .env_remove("MCPSERVE_PYTHON")
        .env_remove("CI")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("SKIPPED python_sdk_client_over_http_in_both_eras: set MCPSERVE_PYTHON")
            && stderr.contains("mcp==2.3.0"),
        "stderr: {stderr}"
    );
}
