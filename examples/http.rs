//! The quickstart tools over Streamable HTTP, for both protocol eras on one endpoint.
//!
//! ```text
//! cargo run --example http -- --port 8080      # http://127.0.0.1:8080/mcp
//! ```
//!
//! `--port 0` picks a free port. The chosen URL is printed on stdout as
//! `listening on http://127.0.0.1:PORT/mcp` once the socket accepts connections.
//! With `--stdin-shutdown`, closing stdin shuts the server down gracefully.

use mcpserve::{HttpConfig, Server};

// The tools themselves live in the stdio quickstart; registering is link-time, so
// compiling that file in is all it takes.
#[allow(dead_code)]
#[path = "quickstart.rs"]
mod quickstart;

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    let mut port = 8080u16;
    let mut stdin_shutdown = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage("--port needs a number"));
            }
            "--stdin-shutdown" => stdin_shutdown = true,
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}/mcp", listener.local_addr()?);
    let shutdown = async move {
        if stdin_shutdown {
            // Tests and CI stop the server by closing its stdin.
            let mut sink = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut tokio::io::stdin(), &mut sink).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    Server::from_registry()
        .serve_http_on(listener, HttpConfig::default(), shutdown)
        .await
}

fn usage(problem: &str) -> ! {
    eprintln!("error: {problem}\nusage: http [--port PORT] [--stdin-shutdown]");
    std::process::exit(2)
}
