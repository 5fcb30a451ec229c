//! A protocol extension of your own: `com.example/notes`, advertised in
//! `capabilities.extensions` (both eras), with two methods that only clients declaring
//! the extension may call.
//!
//! ```text
//! cargo run --example extension -- --port 8080     # http://127.0.0.1:8080/mcp
//! ```
//!
//! A 2026-07-28 client declares it per request
//! (`_meta["io.modelcontextprotocol/clientCapabilities"].extensions["com.example/notes"]`),
//! a session-era client in `initialize`'s `capabilities.extensions`. Others get `-32021`
//! (missing required client capability) naming the extension.

use std::sync::{Arc, Mutex};

use mcpserve::extension::{Extension, ExtensionMethod, NoParams};
use mcpserve::prelude::*;
use mcpserve::HttpConfig;

/// `notes/add` params.
#[derive(Deserialize)]
struct AddNote {
    title: String,
    #[serde(default)]
    body: String,
}

/// A stored note.
#[derive(Clone, Serialize)]
struct Note {
    title: String,
    body: String,
}

/// `notes/list` result.
#[derive(Serialize)]
struct Notes {
    notes: Vec<Note>,
}

/// The extension: its settings, its methods and who may call them.
fn notes_extension() -> Extension {
    let notes: Arc<Mutex<Vec<Note>>> = Arc::default();
    let stored = notes.clone();
    Extension::new("com.example/notes")
        .settings(serde_json::json!({ "maxNotes": 100 }))
        .require_client_opt_in()
        .method(
            ExtensionMethod::new("notes/add", move |_ctx: Context, p: AddNote| {
                let notes = stored.clone();
                async move {
                    let mut notes = notes.lock().expect("notes lock");
                    if notes.len() >= 100 {
                        return Err(Error::invalid_params("Invalid params: too many notes"));
                    }
                    notes.push(Note {
                        title: p.title,
                        body: p.body,
                    });
                    Ok(serde_json::json!({ "count": notes.len() }))
                }
            })
            // 2026-07-28 Streamable HTTP: the `Mcp-Name` header must carry the title.
            .mcp_name_param("title"),
        )
        .method(ExtensionMethod::new(
            "notes/list",
            move |_ctx: Context, _: NoParams| {
                let notes = notes.lock().expect("notes lock").clone();
                async move { Ok::<_, Error>(Notes { notes }) }
            },
        ))
}

/// Says whether the calling client supports the notes extension.
#[tool]
fn notes_support(ctx: Context) -> String {
    match ctx.client_extension("com.example/notes") {
        Some(settings) => format!("supported, client settings {settings}"),
        None => "not declared by this client".into(),
    }
}

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    let mut port = 8080u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().and_then(|p| p.parse().ok())) {
            ("--port", Some(p)) => port = p,
            _ => {
                eprintln!("usage: extension [--port PORT]");
                std::process::exit(2);
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}/mcp", listener.local_addr()?);
    Server::from_registry()
        .extension(notes_extension())
        .serve_http_on(listener, HttpConfig::default(), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
