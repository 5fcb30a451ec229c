//! The official Python SDK 1.x experimental tasks client (`mcp==1.30.0`,
//! `session.experimental.*`) against the conformance fixture's task tools over
//! Streamable HTTP (session-era 2025-11-25 tasks). Runs when `MCPSERVE_PYTHON1` names a
//! Python with that SDK (`bash .ci/run` creates `.venv-mcp1`); otherwise it prints a
//! skip notice and passes, except under `CI=true`, where it fails.
#![cfg(feature = "http")]

#[path = "common/python_client.rs"]
mod python_client;

// The conformance fixture's tools, registered in this test binary.
#[allow(dead_code)]
#[path = "../examples/conformance.rs"]
mod conformance;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_1x_tasks_client_skips_without_mcpserve_python1() {
    let Some(python) = std::env::var_os("MCPSERVE_PYTHON1") else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "MCPSERVE_PYTHON1 must be set in CI (bash .ci/run creates .venv-mcp1)"
        );
        println!(
            "SKIPPED: set MCPSERVE_PYTHON1 to a Python with `mcp==1.30.0` \
             (pip install -r tests/clients/requirements-mcp1.txt) to run the Python tasks client"
        );
        return;
    };
    python_client::run_against_registry(
        python,
        "tests/clients/python_tasks_client.py",
        &["--timeout", "120"],
        "the Python tasks client",
    )
    .await;
}
