//! The official Python SDK (`mcp==2.3.0`) against the quickstart tools over Streamable
//! HTTP, in both protocol eras. Runs when `MCPSERVE_PYTHON` names a Python with the SDK
//! (`bash .ci/run` sets it up); skipped otherwise, except under `CI=true`.
#![cfg(feature = "http")]

use std::path::Path;
use std::process::Command;

use mcpserve::{HttpConfig, Server};

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
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/python_http_client.py");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .args(["--era", "all", "--timeout", "120"])
            .arg(&url)
            .output()
            .expect("could not run MCPSERVE_PYTHON")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the Python client failed:\n{stdout}"
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
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
