//! A notes server behind OAuth 2.1: every request needs a bearer token from the issuer,
//! and each tool the scopes it declares.
//!
//! ```text
//! cargo run --example auth --features auth -- \
//!     --port 8080 --issuer https://idp.example.com --jwks-url https://idp.example.com/jwks
//! ```
//!
//! Serves `http://127.0.0.1:PORT/mcp` (`--port 0` picks a free port), which is also the
//! audience tokens must carry, and its protected resource metadata at
//! `/.well-known/oauth-protected-resource/mcp`. Prints `listening on URL` once ready.
//! With `--stdin-shutdown`, closing stdin shuts it down gracefully.
//!
//! | tool | needs |
//! |---|---|
//! | `whoami` | any valid token; returns its `sub` |
//! | `read_notes` | `notes:read` |
//! | `write_note(text)` | `notes:write` |
//! | `purge_notes` | `notes:write` and `notes:delete` |
//!
//! `notes` implies all three.

use std::sync::{Arc, Mutex};

use mcpserve::prelude::*;
use mcpserve::{Auth, HttpConfig};

/// The notes, shared by every caller.
#[derive(Clone, Default)]
struct Notes(Arc<Mutex<Vec<String>>>);

/// Who am I? Returns the subject (`sub`) of the access token.
#[tool(annotations(read_only))]
async fn whoami(who: Principal) -> String {
    who.subject().to_owned()
}

/// Lists every note.
#[tool(scopes = ["notes:read"], annotations(read_only))]
async fn read_notes(State(notes): State<Notes>) -> Vec<String> {
    notes.0.lock().expect("notes lock").clone()
}

/// Adds a note; returns how many there are.
#[tool(scopes = ["notes:write"])]
async fn write_note(
    /// The note.
    text: String,
    State(notes): State<Notes>,
) -> usize {
    let mut notes = notes.0.lock().expect("notes lock");
    notes.push(text);
    notes.len()
}

/// Deletes every note; returns how many were deleted.
#[tool(scopes = ["notes:write", "notes:delete"], annotations(destructive))]
async fn purge_notes(State(notes): State<Notes>) -> usize {
    std::mem::take(&mut *notes.0.lock().expect("notes lock")).len()
}

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    let mut port = 8080u16;
    let (mut issuer, mut jwks_url) = (None, None);
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
            "--issuer" => {
                issuer = Some(args.next().unwrap_or_else(|| usage("--issuer needs a URL")))
            }
            "--jwks-url" => {
                jwks_url = Some(
                    args.next()
                        .unwrap_or_else(|| usage("--jwks-url needs a URL")),
                )
            }
            "--stdin-shutdown" => stdin_shutdown = true,
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let issuer = issuer.unwrap_or_else(|| usage("--issuer is required"));
    let jwks_url = jwks_url.unwrap_or_else(|| usage("--jwks-url is required"));

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let url = format!("http://{}/mcp", listener.local_addr()?);
    let auth = Auth::jwt()
        .issuer(issuer)
        .jwks_url(jwks_url)
        .resource(&url)
        .scope_implies("notes", ["notes:read", "notes:write", "notes:delete"]);
    auth.validate()?;
    println!("listening on {url}");
    let shutdown = async move {
        if stdin_shutdown {
            let mut sink = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut tokio::io::stdin(), &mut sink).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    Server::from_registry()
        .state(Notes::default())
        .serve_http_on(listener, HttpConfig::default().auth(auth), shutdown)
        .await
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "error: {problem}\nusage: auth --port PORT --issuer ISSUER_URL --jwks-url JWKS_URL [--stdin-shutdown]"
    );
    std::process::exit(2)
}
