//! Every server is a command line: [`ServerBuilder::run`] reads the process's arguments
//! and serves stdio (no arguments), Streamable HTTP (`--http`), or runs a verb against
//! the server in-process (`list`, `call`, `read`, `prompt`), prints what identifies and
//! installs it (`config`, `install`, `card`, `server-json`, `bundle`).
//!
//! `--help` and `--version` come from the server's crate: the binary's own `Cargo.toml`
//! when it defines tools (the attribute macros record `CARGO_PKG_*` where they expand),
//! else the crate that does, or [`ServerBuilder::crate_info`] with
//! [`crate_info!`](crate::crate_info) written in the binary.
//!
//! Errors are one line on stderr (`error: …`) and a non-zero exit: 2 for a malformed
//! command line or arguments, 1 for everything the server refused or failed.

mod args;
mod ask;
mod client;
mod output;
mod session;
mod verbs;

use std::ffi::OsString;
use std::io::Write;

use clap::{CommandFactory, FromArgMatches};

use crate::error::Result;
use crate::server::{Server, ServerBuilder};

/// Why a verb failed: the line to print and the exit code.
pub(crate) struct Failure {
    pub(crate) code: i32,
    pub(crate) message: String,
}

impl Failure {
    /// The command line or the arguments are malformed (exit 2).
    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }

    /// The server refused or failed (exit 1).
    pub(crate) fn failed(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

impl ServerBuilder {
    /// Builds the server and lets the command line decide what to do with it (see
    /// [`Server::run`]).
    ///
    /// ```no_run
    /// use mcp_runtime::Server;
    ///
    /// #[tokio::main]
    /// async fn main() -> mcp_runtime::Result<()> {
    ///     Server::from_registry().run().await
    /// }
    /// ```
    pub async fn run(self) -> Result<()> {
        self.build()?.run().await
    }

    /// [`run`](Self::run) with these arguments instead of the process's (the first is
    /// the program name).
    pub async fn run_with<I, T>(self, args: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        self.build()?.run_with(args).await
    }
}

impl Server {
    /// Runs the server as its command line says:
    ///
    /// | arguments | does |
    /// |---|---|
    /// | none | serves stdio (what MCP clients spawn) |
    /// | `--http [ADDR]` | serves Streamable HTTP on `ADDR` (default `127.0.0.1:8080`) at `/mcp`, with the server card |
    /// | `list [tools\|resources\|templates\|prompts] [--json]` (alias `inspect`) | a table of what the server offers; `--json` prints the list results |
    /// | `call TOOL [JSON] [--arg KEY=VALUE]… [--json]` | calls a tool in-process and prints its result |
    /// | `read URI [--json]` | reads a resource |
    /// | `prompt NAME [JSON] [--arg KEY=VALUE]… [--json]` | renders a prompt |
    /// | `config CLIENT [--name N] [--env K=V]… [--url URL] [-- ARGS…]` | the client's configuration snippet for this binary |
    /// | `install CLIENT […] [--yes]` | writes that entry into the client's configuration file, after asking |
    /// | `card [--remote URL]…` | the server card (JSON) |
    /// | `server-json [--remote URL]… [--mcpb-url URL] [--mcpb-file FILE]` | `server.json` for the MCP Registry |
    /// | `bundle --out FILE.mcpb` | an MCPB bundle of this binary |
    ///
    /// Clients: `claude`, `claude-code`, `cursor`, `vscode`, `windsurf`, `gemini`.
    /// Verbs exit the process with a non-zero code on failure, after one `error:` line.
    pub async fn run(self) -> Result<()> {
        self.run_with(std::env::args_os()).await
    }

    /// [`run`](Self::run) with these arguments (the first is the program name).
    pub async fn run_with<I, T>(self, args: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        // No arguments is how MCP clients launch servers: serve without building the
        // command line parser (it would add a fifth to a stdio cold start).
        if args.len() <= 1 {
            return verbs::serve(self, None).await;
        }
        let cli = match parse(&self, args) {
            Ok(cli) => cli,
            // Help and version go to stdout with exit 0, mistakes to stderr with exit 2.
            Err(e) => e.exit(),
        };
        let outcome = match cli.command {
            None => return verbs::serve(self, cli.http).await,
            Some(command) => {
                init_quiet_logging();
                verbs::run(self, command).await
            }
        };
        let _ = std::io::stdout().flush();
        if let Err(f) = outcome {
            let _ = writeln!(std::io::stderr(), "error: {}", f.message);
            std::process::exit(f.code);
        }
        Ok(())
    }
}

fn parse<I, T>(server: &Server, args: I) -> std::result::Result<args::Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let info = server.info();
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| info.name.clone());
    let mut about = info
        .title
        .clone()
        .or_else(|| info.description.clone())
        .unwrap_or_else(|| format!("MCP server {}", info.name));
    if let (Some(_), Some(d)) = (&info.title, &info.description) {
        about = format!("{about}: {d}");
    }
    let command = args::Cli::command()
        .name(bin.clone())
        .bin_name(bin)
        .version(info.version.clone())
        .about(about)
        .after_help(
            "Without a command the server speaks MCP on stdin/stdout, as MCP clients launch it.",
        );
    let matches = command.try_get_matches_from(args)?;
    args::Cli::from_arg_matches(&matches)
}

/// Verbs print results on stdout; the server's own logs stay quiet unless `RUST_LOG`
/// asks for them.
fn init_quiet_logging() {
    use tracing_subscriber::prelude::*;
    if tracing::dispatcher::has_been_set() {
        return;
    }
    let _ = tracing_subscriber::registry()
        .with(crate::logging::stderr_layer(tracing::Level::WARN))
        .try_init();
}
