//! The official Python SDK 1.x experimental tasks client (`mcp==1.30.0`,
//! `session.experimental.*`) against the conformance fixture's task tools over
//! Streamable HTTP (session-era 2025-11-25 tasks). Runs when `MCPSERVE_PYTHON1` names a
//! Python with that SDK (`bash .ci/run` creates `.venv-mcp1`); otherwise it prints a
//! skip notice and passes, except under `CI=true`, where it fails.
#![cfg(feature = "http")]

use std::path::Path;
use std::process::Command;

use mcpserve::{HttpConfig, Server};

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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(Server::from_registry().serve_http_on(
        listener,
        HttpConfig::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/python_tasks_client.py");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .args(["--timeout", "120"])
            .arg(&url)
            .output()
            .expect("could not run MCPSERVE_PYTHON1")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the Python tasks client failed:\n{stdout}"
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
