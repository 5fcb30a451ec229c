//! Runs one of `tests/clients/*.py` against this test binary's registry served over
//! Streamable HTTP on a free port, and asserts it reports no failed check.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use mcpserve::{HttpConfig, Server};

/// `python SCRIPT ARGS… URL`, with the server stopped afterwards; `what` names the client in
/// the failure message.
pub async fn run_against_registry(python: OsString, script: &str, args: &[&str], what: &str) {
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
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(&python)
            .arg(script)
            .args(args)
            .arg(&url)
            .output()
            .unwrap_or_else(|e| panic!("could not run {python:?}: {e}"))
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{what} failed:\n{stdout}");
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
