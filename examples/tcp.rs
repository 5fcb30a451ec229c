//! The quickstart's tools served over TCP: one connection = one newline-delimited
//! JSON-RPC stream, exactly like stdio. Run `cargo run --example tcp -- --port 4000`
//! (the default, port 0, picks a free port); the bound address is printed to stderr.

use mcpserve::prelude::*;
use tokio::net::TcpListener;

// The same `#[tool]`s as the stdio example; including the file links them in.
#[allow(dead_code)] // its `main` is not used here
#[path = "quickstart.rs"]
mod quickstart;

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    let port = port_from_args()?;
    let server = Server::from_registry().build()?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    loop {
        let (socket, peer) = listener.accept().await?;
        let server = server.clone();
        tokio::spawn(async move {
            let (read, write) = socket.into_split();
            if let Err(e) = server.serve_io(read, write).await {
                eprintln!("connection {peer}: {e}");
            }
        });
    }
}

/// `--port N` or `--port=N`; 0 when absent.
fn port_from_args() -> mcpserve::Result<u16> {
    let usage = || Error::startup("usage: tcp [--port N]");
    let mut args = std::env::args().skip(1);
    let mut port = 0;
    while let Some(arg) = args.next() {
        let value = match arg.strip_prefix("--port") {
            Some("") => args.next().ok_or_else(usage)?,
            Some(v) if v.starts_with('=') => v[1..].to_owned(),
            _ => return Err(usage()),
        };
        port = value.parse().map_err(|_| usage())?;
    }
    Ok(port)
}
