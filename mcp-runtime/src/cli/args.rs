//! The command line, as clap parses it. Verb names and flags are a public interface:
//! scripts and client configurations depend on them.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand, ValueEnum};

use crate::identity::clients::Client;

#[derive(Parser, Debug)]
#[command(name = "mcp-server", args_conflicts_with_subcommands = true)]
pub(crate) struct Cli {
    /// Serve Streamable HTTP on ADDR (at /mcp) instead of stdio
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "127.0.0.1:8080")]
    pub(crate) http: Option<String>,

    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// What `list` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Kind {
    Tools,
    Resources,
    Templates,
    Prompts,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// List tools, resources, resource templates and prompts
    #[command(visible_alias = "inspect")]
    List {
        /// Only this kind
        #[arg(value_enum)]
        kind: Option<Kind>,
        /// Print the list results as JSON, as clients receive them
        #[arg(long)]
        json: bool,
    },
    /// Call a tool in-process and print its result
    Call {
        /// The tool's name
        tool: String,
        #[command(flatten)]
        input: Input,
    },
    /// Read a resource and print its contents
    Read {
        /// The resource's URI
        uri: String,
        /// Print the whole result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Render a prompt and print its messages
    Prompt {
        /// The prompt's name
        name: String,
        #[command(flatten)]
        input: Input,
    },
    /// Print an MCP client's configuration snippet for this server
    Config(ClientArgs),
    /// Add this server to an MCP client's configuration file (asks first)
    Install {
        #[command(flatten)]
        client: ClientArgs,
        /// Do not ask
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Print the server card (SEP-2127 draft) as JSON
    Card {
        /// Public URL of an HTTP deployment (default: the server's configured remotes)
        #[arg(long = "remote", value_name = "URL")]
        remotes: Vec<String>,
    },
    /// Print server.json for the official MCP Registry
    ServerJson {
        /// Public URL of an HTTP deployment; repeatable
        #[arg(long = "remote", value_name = "URL")]
        remotes: Vec<String>,
        /// Where the MCPB bundle is published (default: the GitHub release of this version)
        #[arg(long, value_name = "URL")]
        mcpb_url: Option<String>,
        /// The published bundle, for its SHA-256
        #[arg(long, value_name = "FILE")]
        mcpb_file: Option<PathBuf>,
    },
    /// Build an MCPB bundle (manifest.json and this binary)
    Bundle {
        /// The bundle to write
        #[arg(long, value_name = "FILE.mcpb")]
        out: PathBuf,
    },
}

/// Arguments of `call` and `prompt`, and how to print the result.
#[derive(clap::Args, Debug)]
pub(crate) struct Input {
    /// Arguments as a JSON object
    #[arg(value_name = "JSON")]
    pub(crate) arguments: Option<String>,
    /// One argument (typed by the input schema); repeatable
    #[arg(short = 'a', long = "arg", value_name = "KEY=VALUE")]
    pub(crate) args: Vec<String>,
    /// Print the whole result as JSON
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(clap::Args, Debug)]
pub(crate) struct ClientArgs {
    /// The client
    #[arg(value_name = "CLIENT", value_parser = client_parser())]
    pub(crate) client: Client,
    /// The server's name in the client (default: serverInfo.name)
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// An environment variable for the server; repeatable
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub(crate) env: Vec<String>,
    /// Connect to this Streamable HTTP endpoint instead of launching the binary
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,
    /// Arguments to launch the binary with
    #[arg(last = true, value_name = "ARGS")]
    pub(crate) args: Vec<String>,
}

fn client_parser() -> impl TypedValueParser<Value = Client> {
    PossibleValuesParser::new(Client::ALL.map(Client::id))
        .map(|id| Client::parse(&id).expect("only known ids pass"))
}
