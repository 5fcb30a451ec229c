//! The quickstart tools over Streamable HTTP, for both protocol eras on one endpoint,
//! plus a few tools that show (and let tests check) what outlives one instance.
//!
//! ```text
//! cargo run --example http -- --port 8080      # http://127.0.0.1:8080/mcp
//! cargo run --example http -- --port 8081 --redis redis://127.0.0.1:6379
//! ```
//!
//! `--port 0` picks a free port. The chosen URL is printed on stdout as
//! `listening on http://127.0.0.1:PORT/mcp` once the socket accepts connections.
//! With `--stdin-shutdown`, closing stdin shuts the server down gracefully.
//!
//! With `--redis URL` (the `redis` feature) sessions, resumable SSE events, tasks and
//! announcements live in Redis, so several instances behind a round-robin load
//! balancer serve as one (README: "Running several instances"). Every instance needs
//! the same `--state-key SECRET` (or `MCPSERVE_STATE_KEY`). `--lease-ms MS` sets how
//! soon the others notice a dead instance's tasks and streams (default 10 s);
//! `--max-sessions N` caps live sessions (across the cluster with `--redis`) and
//! `--session-idle-ms MS` ends sessions unused that long (default 30 min).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mcpserve::prelude::*;
use mcpserve::{HttpConfig, Server, TaskConfig};

// The tools themselves live in the stdio quickstart; registering is link-time, so
// compiling that file in is all it takes.
#[allow(dead_code)]
#[path = "quickstart.rs"]
mod quickstart;

/// The user's name, asked for mid-call.
#[derive(Deserialize, Elicit)]
struct Name {
    /// What should I call you?
    name: String,
}

/// Greets the user by the name it asks them for (an elicitation mid-call).
#[tool]
async fn greet_me(ctx: Context) -> Result<String, Error> {
    match ctx.elicit::<Name>("What is your name?").await? {
        Elicitation::Accepted(Name { name }) => Ok(format!("Hello, {name}!")),
        Elicitation::Declined | Elicitation::Cancelled => Ok("Hello, stranger!".into()),
    }
}

/// Asks the user's name, listening to the progress the client reports while they answer
/// (wherever the client sends it); runs as a task when asked, its question then going
/// out on `tasks/result`.
#[tool(task = "optional")]
async fn welcome(ctx: Context) -> Result<String, Error> {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let answer = ctx
        .elicit::<Name>("What is your name?")
        .on_progress({
            let heard = heard.clone();
            move |p| {
                let said = p.message.unwrap_or_else(|| p.progress.to_string());
                heard.lock().expect("heard lock").push(said);
            }
        })
        .await?;
    let name = match answer {
        Elicitation::Accepted(Name { name }) => name,
        Elicitation::Declined | Elicitation::Cancelled => "stranger".into(),
    };
    let heard = heard.lock().expect("heard lock");
    Ok(match heard.is_empty() {
        true => format!("Welcome, {name}!"),
        false => format!("Welcome, {name}! (heard: {})", heard.join(", ")),
    })
}

/// Counts to `to`, one progress notification per step, `pace_ms` apart. Each step says
/// which process counts (`3/8 (pid 4242)`: a task's `statusMessage` shows it too), so
/// tests can stop the instance running a call. With `close_every` > 0 it closes its
/// response stream after every that many steps (SSE polling): the client resumes with
/// `Last-Event-ID`, through whichever instance the balancer picks.
#[tool(task = "optional")]
async fn count_slowly(
    /// Where to stop.
    #[arg(default = 5)]
    to: u32,
    /// Milliseconds per step.
    #[arg(default = 200)]
    pace_ms: u64,
    /// Close the response stream after every this many steps (0: never).
    #[arg(default = 0)]
    close_every: u32,
    ctx: Context,
) -> Result<String, Error> {
    let pid = std::process::id();
    for i in 1..=to {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(pace_ms)) => {}
            _ = ctx.cancelled() => return Err(Error::tool("cancelled")),
        }
        ctx.progress(i, Some(to), format!("{i}/{to} (pid {pid})"))
            .await;
        if close_every > 0 && i % close_every == 0 && i < to {
            ctx.close_stream();
        }
    }
    Ok(format!("counted to {to}"))
}

/// Tells every connected client that the tool list changed.
#[tool]
async fn touch_tools(ctx: Context) -> &'static str {
    ctx.server().tools_changed();
    "announced"
}

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    let mut port = 8080u16;
    let mut stdin_shutdown = false;
    let mut redis: Option<String> = None;
    let mut state_key = std::env::var("MCPSERVE_STATE_KEY").ok();
    let mut lease = Duration::from_secs(10);
    let mut config = HttpConfig::default();
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
            "--redis" => redis = Some(args.next().unwrap_or_else(|| usage("--redis needs a URL"))),
            "--state-key" => {
                state_key = Some(
                    args.next()
                        .unwrap_or_else(|| usage("--state-key needs a value")),
                )
            }
            "--lease-ms" => {
                lease = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .map(Duration::from_millis)
                    .unwrap_or_else(|| usage("--lease-ms needs a number"));
            }
            "--session-idle-ms" => {
                config.session_idle_timeout = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .map(Duration::from_millis)
                    .unwrap_or_else(|| usage("--session-idle-ms needs a number"));
            }
            "--max-sessions" => {
                config.max_sessions = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| usage("--max-sessions needs a number"));
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let mut server =
        Server::from_registry().tasks(TaskConfig::default().configure(|t| t.lease = lease));
    if let Some(url) = redis {
        let stores = mcpserve::stores::RedisStores::connect(&url)
            .await?
            .stream_lease(lease);
        server = server.stores(stores);
        match &state_key {
            Some(key) => server = server.request_state_key(key),
            None => eprintln!(
                "warning: no --state-key: each instance seals requestState with its own key"
            ),
        }
    } else if let Some(key) = &state_key {
        server = server.request_state_key(key);
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
    server.serve_http_on(listener, config, shutdown).await
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "error: {problem}\nusage: http [--port PORT] [--stdin-shutdown] [--redis URL] \
         [--state-key SECRET] [--lease-ms MS] [--max-sessions N] \
         [--session-idle-ms MS]"
    );
    std::process::exit(2)
}
