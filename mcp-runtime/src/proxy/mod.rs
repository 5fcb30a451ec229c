//! Proxying (feature `proxy`): remote MCP servers re-served by this one, under a
//! namespace, through the [`client`](crate::client).
//!
//! ```no_run
//! use mcp_runtime::proxy::Remote;
//! use mcp_runtime::Server;
//!
//! # async fn demo() -> mcp_runtime::Result<()> {
//! Server::builder()
//!     .without_registry()
//!     .proxy("gh", Remote::stdio("npx", ["-y", "@modelcontextprotocol/server-github"]))
//!     .proxy("docs", Remote::http("http://127.0.0.1:9000/mcp"))
//!     .serve_http("127.0.0.1:8080")
//!     .await
//! # }
//! ```
//!
//! * **What is re-served:** the remote's tools, prompts, resources and templates, renamed
//!   like a [mounted](crate::ServerBuilder::mount) server's (`gh_create_issue`; an empty
//!   namespace keeps the names). Completions are forwarded. The lists are read when the
//!   connection is made and again whenever the remote announces a change, which is
//!   passed on to this server's clients (`list_changed`, `resources/updated`, in both
//!   eras). The first requests wait for the first connection (up to the connect
//!   timeout).
//! * **Both eras.** The proxy speaks both eras to the remote when it can, and forwards
//!   each request in its client's era (else in the one the remote speaks): progress and
//!   log messages of a call reach the caller; the remote's sampling, elicitation and
//!   roots requests reach the caller as server-to-client requests (session era) or as
//!   `input_required` rounds (2026), whatever era the remote asked them in; 2026 input
//!   rounds of the remote are answered the same way. Cancelling a call cancels it
//!   remotely. A remote that closes a response stream early has the caller's closed too
//!   (SSE polling), so the caller resumes as it would with the remote.
//! * **Results as sent.** A tool's result goes to the caller as the remote's bytes
//!   (only the JSON-RPC envelope is the proxy's) when the caller and the forwarded
//!   request speak the same era and no layer wraps the tool; otherwise it is translated.
//! * **Tasks.** Remote tools keep their `execution.taskSupport`. A task-augmented call
//!   (session-era `params.task`, or a 2026 caller that declares the tasks extension)
//!   runs as a task of the proxy's around the forwarded call, so `tasks/get`,
//!   `tasks/result`, `tasks/cancel` and `tasks/update` are the proxy's own (progress,
//!   input and cancellation flow through it as for any call). A tool the remote runs
//!   only as a task is started there as one and followed to its end (`tasks/result`, or
//!   `tasks/get` polls with `tasks/update` for input); cancelling cancels it remotely.
//! * **Failures.** JSON-RPC errors of the remote keep their code (era differences
//!   translated: a missing resource is `-32002` or `-32602` as the caller's era wants).
//!   When the remote is unreachable or exits, calls fail with a tool error naming the
//!   remote and the reason, and the proxy reconnects with exponential backoff (250 ms
//!   doubling to 30 s), then re-reads the lists.
//! * **Identity.** The proxy forwards the caller's capabilities (2026 remotes see each
//!   caller's own) and its own client info; session-era remotes see one session of the
//!   proxy, which declares sampling, elicitation and roots.
//! * **Limits.** Over stdio, requests of a session-era remote carry no correlation: a
//!   sampling or elicitation request that arrives while several calls are in flight
//!   cannot be attributed and is refused.

mod forward;
mod upstream;

use std::time::Duration;

pub(crate) use forward::Forwarded;
pub(crate) use upstream::{RemoteTool, Upstream};

use crate::client::EraChoice;
use crate::server::{Mount, Server, ServerBuilder};

/// A remote MCP server to re-serve: a command to run (stdio) or a Streamable HTTP URL.
#[derive(Debug, Clone)]
pub struct Remote {
    pub(crate) target: Target,
    pub(crate) era: EraChoice,
    pub(crate) connect_timeout: Duration,
    pub(crate) max_backoff: Duration,
}

#[derive(Debug, Clone)]
pub(crate) enum Target {
    Stdio {
        program: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
    },
    Http {
        url: String,
        headers: Vec<(String, String)>,
    },
}

impl Remote {
    /// A server run as a child process and spoken to over its stdio (its stderr is
    /// inherited). It is restarted when it exits.
    pub fn stdio<I, S>(program: impl Into<String>, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(Target::Stdio {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
        })
    }

    /// A Streamable HTTP server (`http://host:port/mcp`).
    pub fn http(url: impl Into<String>) -> Self {
        Self::new(Target::Http {
            url: url.into(),
            headers: Vec::new(),
        })
    }

    fn new(target: Target) -> Self {
        Remote {
            target,
            era: EraChoice::Both,
            connect_timeout: Duration::from_secs(30),
            max_backoff: Duration::from_secs(30),
        }
    }

    /// Sets an environment variable of the child process (stdio).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        if let Target::Stdio { env, .. } = &mut self.target {
            env.push((key.into(), value.into()));
        }
        self
    }

    /// Sends a header with every HTTP request (e.g. `Authorization`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Target::Http { headers, .. } = &mut self.target {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Which era(s) to speak to the remote ([`EraChoice::Both`] by default: every
    /// request goes out in its caller's era when the remote speaks it).
    pub fn era(mut self, era: EraChoice) -> Self {
        self.era = era;
        self
    }

    /// How long connecting may take, and how long the first requests wait for the first
    /// connection (30 s by default).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The longest wait between reconnection attempts (30 s by default).
    pub fn max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = max;
        self
    }

    /// How the remote is named in messages: the command or the URL.
    pub(crate) fn describe(&self) -> String {
        match &self.target {
            Target::Stdio { program, args, .. } => {
                let mut s = program.clone();
                for a in args {
                    s.push(' ');
                    s.push_str(a);
                }
                s
            }
            Target::Http { url, .. } => url.clone(),
        }
    }
}

impl ServerBuilder {
    /// Re-serves a remote MCP server's tools, prompts and resources under `namespace`
    /// (an empty namespace keeps their names). See [`proxy`](crate::proxy) for what is
    /// forwarded and [`Mount::remote`] for options.
    ///
    /// ```no_run
    /// use mcp_runtime::proxy::Remote;
    /// use mcp_runtime::Server;
    ///
    /// # async fn demo() -> mcp_runtime::Result<()> {
    /// let server = Server::builder()
    ///     .proxy("everything", Remote::stdio("npx", ["-y", "@modelcontextprotocol/server-everything"]))
    ///     .build()?;
    /// server.ready().await; // optional: wait for the first connection
    /// # Ok(()) }
    /// ```
    pub fn proxy(self, namespace: impl Into<String>, remote: Remote) -> Self {
        self.mount_with(Mount::remote(remote).namespace(namespace))
    }
}

impl Server {
    /// Waits until every proxied remote has been connected to once (or failed to,
    /// within its connect timeout).
    pub async fn ready(&self) {
        self.shared.remotes_ready().await;
    }
}
