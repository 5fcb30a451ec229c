//! A verb's conversation with the in-process server: requests wait for their result
//! while server-to-client requests are answered (elicitation on the terminal, roots)
//! and progress drives a bar on stderr. Ctrl-C cancels the request.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::ask;
use super::client::{Event, InProcess};
use super::Failure;
use crate::protocol::ErrorObject;
use crate::server::Server;

pub(crate) struct Session {
    client: InProcess,
    progress: Arc<Mutex<Option<ProgressBar>>>,
}

/// What the command line offers the server: forms and URLs asked on the terminal, the
/// working directory as the one root. No sampling: there is no model here.
fn capabilities() -> Value {
    json!({ "elicitation": { "form": {}, "url": {} }, "roots": { "listChanged": false } })
}

impl Session {
    pub(crate) async fn start(server: Server) -> Result<Session, Failure> {
        let client = InProcess::start(server, capabilities())
            .await
            .map_err(|e| Failure::failed(e.message))?;
        Ok(Session {
            client,
            progress: Arc::default(),
        })
    }

    /// Sends a request and serves the server's requests and notifications until its
    /// result arrives.
    pub(crate) async fn request(
        &self,
        method: &str,
        params: Value,
    ) -> Result<Box<RawValue>, Failure> {
        let id = self.client.peek_id();
        let result = self.client.request(method, params);
        tokio::pin!(result);
        let interrupted = tokio::signal::ctrl_c();
        tokio::pin!(interrupted);
        let mut events_open = true;
        let outcome = loop {
            tokio::select! {
                r = &mut result => break r.map_err(rpc_failure),
                event = self.client.next_event(), if events_open => match event {
                    Some(event) => self.handle(event).await,
                    None => events_open = false,
                },
                _ = &mut interrupted => {
                    self.client
                        .notify("notifications/cancelled", json!({ "requestId": id, "reason": "interrupted" }))
                        .await;
                    break Err(Failure { code: 130, message: "interrupted".into() });
                }
            }
        };
        if let Some(bar) = self.progress.lock().expect("progress").take() {
            bar.finish_and_clear();
        }
        outcome
    }

    async fn handle(&self, event: Event) {
        match event {
            Event::Request { id, method, params } => {
                let answer = match method.as_str() {
                    "ping" => Ok(json!({})),
                    "elicitation/create" => Ok(self.elicit(params).await),
                    "roots/list" => Ok(roots()),
                    other => Err(ErrorObject {
                        code: -32601,
                        message: format!(
                            "Method not found: {other} (the command line cannot answer it)"
                        ),
                        data: None,
                    }),
                };
                self.client.respond(id, answer).await;
            }
            Event::Notification { method, params } => match method.as_str() {
                "notifications/progress" => self.progress(&params),
                "notifications/message" => {
                    let level = params["level"].as_str().unwrap_or("info");
                    let data = match &params["data"] {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    self.suspended(|| eprintln!("{level}: {data}"));
                }
                _ => {}
            },
        }
    }

    /// Asks on the terminal when stdin is one; declines otherwise (nobody can answer).
    async fn elicit(&self, params: Value) -> Value {
        if !std::io::stdin().is_terminal() {
            let message = params["message"].as_str().unwrap_or_default().to_owned();
            self.suspended(|| {
                eprintln!("note: declined the tool's request for input ({message:?}): stdin is not a terminal")
            });
            return json!({ "action": "decline" });
        }
        let bar = self.progress.lock().expect("progress").clone();
        let asked = tokio::task::spawn_blocking(move || {
            let run = || {
                let stdin = std::io::stdin();
                ask::elicit(&params, &mut stdin.lock(), &mut std::io::stderr())
            };
            match bar {
                Some(bar) => bar.suspend(run),
                None => run(),
            }
        })
        .await;
        asked.unwrap_or_else(|_| json!({ "action": "cancel" }))
    }

    fn progress(&self, params: &Value) {
        let Some(progress) = params["progress"].as_f64() else {
            return;
        };
        let total = params["total"].as_f64().filter(|t| *t > 0.0);
        let message = params["message"].as_str().map(str::to_owned);
        let mut slot = self.progress.lock().expect("progress");
        let bar = slot.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        match total {
            Some(total) => {
                bar.set_style(
                    ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                        .expect("valid template")
                        .progress_chars("=> "),
                );
                bar.set_length(total.round() as u64);
                bar.set_position(progress.round() as u64);
            }
            None => {
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg}").expect("valid template"),
                );
                bar.set_position(progress.round() as u64);
            }
        }
        if let Some(m) = message {
            bar.set_message(m);
        }
    }

    fn suspended(&self, f: impl FnOnce()) {
        match self.progress.lock().expect("progress").as_ref() {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }
}

fn rpc_failure(e: ErrorObject) -> Failure {
    Failure::failed(e.message)
}

/// The working directory as the client's only root.
fn roots() -> Value {
    let Ok(dir) = std::env::current_dir() else {
        return json!({ "roots": [] });
    };
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let path = dir.to_string_lossy().replace('\\', "/");
    let uri = if path.starts_with('/') {
        format!("file://{path}")
    } else {
        format!("file:///{path}")
    };
    json!({ "roots": [{ "uri": uri, "name": name }] })
}
