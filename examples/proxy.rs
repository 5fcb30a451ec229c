//! A proxy: re-serves one MCP server (a stdio command or a Streamable HTTP URL) at
//! `http://127.0.0.1:PORT/mcp`, both protocol eras, with the remote's names unchanged.
//!
//! ```text
//! cargo run --example proxy -- --port 8080 --upstream-url http://127.0.0.1:3000/mcp
//! cargo run --example proxy -- --port 8080 -- npx -y @modelcontextprotocol/server-everything
//! ```
//!
//! `--port 0` picks a free port. Once the socket accepts connections the URL is printed
//! on stdout as `listening on http://127.0.0.1:PORT/mcp`; requests wait for the first
//! connection to the remote.
//!
//! Ctrl-C or `SIGTERM` shuts it down gracefully, the stdio child included (it gets end of
//! file on its input, then `SIGKILL` if it is still there two seconds later). On Linux the
//! child also dies with a proxy that is killed outright (`PR_SET_PDEATHSIG`).

use mcpserve::proxy::Remote;
use mcpserve::{HttpConfig, Server};

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    let mut port: Option<u16> = None;
    let mut url: Option<String> = None;
    let mut command: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = Some(
                    args.next()
                        .and_then(|p| p.parse().ok())
                        .unwrap_or_else(|| usage("--port needs a number")),
                )
            }
            "--upstream-url" => {
                url = Some(
                    args.next()
                        .unwrap_or_else(|| usage("--upstream-url needs a URL")),
                )
            }
            "--" => {
                command = args.by_ref().collect();
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let port = port.unwrap_or_else(|| usage("--port is required"));
    let remote = match (url, command.split_first()) {
        (Some(url), None) => Remote::http(url),
        (None, Some((program, rest))) => Remote::stdio(program.clone(), rest.to_vec()),
        (Some(_), Some(_)) => usage("give either --upstream-url or a command after --, not both"),
        (None, None) => usage("give --upstream-url URL or -- CMD ARGS..."),
    };
    let server = Server::builder()
        .without_registry()
        .name("mcpserve-proxy")
        .proxy("", remote)
        .build()?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    // Installed before the URL is printed: a signal sent as soon as the proxy is up
    // shuts it down gracefully.
    let shutdown = mcpserve::http::shutdown_signal();
    println!("listening on http://{}/mcp", listener.local_addr()?);
    server
        .serve_http_on(listener, HttpConfig::default(), shutdown)
        .await
}

fn usage(problem: &str) -> ! {
    eprintln!("error: {problem}\nusage: proxy --port PORT (--upstream-url URL | -- CMD ARGS...)");
    std::process::exit(2)
}
