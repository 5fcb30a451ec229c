//! The server: what `Server::from_registry()` collects and how it is configured.

mod catalog;
mod handle;
pub(crate) mod header_params;
mod mount;
pub(crate) mod pager;
mod prompts;
mod resources;
mod resources_handle;
mod tool_def;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

pub(crate) use catalog::{Handler, ToolCatalog, ToolEntry, Visibility};
pub use handle::{Peer, ServerHandle};
#[cfg(feature = "proxy")]
pub(crate) use mount::prefix_contents;
pub use mount::Mount;
pub(crate) use mount::Namespace;
#[cfg(feature = "proxy")]
pub(crate) use prompts::Getter;
pub(crate) use prompts::PromptCatalog;
pub(crate) use prompts::PromptEntry;
pub(crate) use resources::ForwardComplete;
pub use resources::ResourceDef;
#[cfg(feature = "proxy")]
pub(crate) use resources::{
    DynReadFn, MountedResources, Reader, ResourceEntry, SubscribeHook, TemplateEntry,
};
pub(crate) use resources::{ResourceCatalog, ResourceStore};
pub use resources_handle::Resources;
pub use tool_def::ToolDef;

use crate::dispatch::Dispatcher;
use crate::error::{Error, Result};
use crate::extract::state::Extensions;
use crate::input::state::StateKey;
use crate::notify::Hub;
use crate::protocol::types::{
    Icon, Implementation, ListChanged, ResourcesCapability, ServerCapabilities, Tool,
    ToolAnnotations,
};
use crate::registry::{
    self, CrateInfo, Location, PromptDescriptor, ResourceDescriptor, ToolDescriptor,
};
use crate::schema;

/// Limits and tunables. The defaults suit a local server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Items per page in list results.
    pub page_size: usize,
    /// Requests handled concurrently per connection; reading pauses beyond this.
    pub max_in_flight: usize,
    /// Largest accepted message, in bytes.
    pub max_message_bytes: usize,
    /// How long a cancelled handler may keep running before it is dropped.
    pub cancel_grace: Duration,
    /// `ttlMs` on public cacheable results (lists, `server/discover`) in the 2026 era.
    pub cache_ttl_public_ms: u64,
    /// `ttlMs` on private cacheable results (`resources/read`) in the 2026 era.
    pub cache_ttl_private_ms: u64,
    /// Queued outgoing messages per connection or stream before senders wait.
    pub outbound_capacity: usize,
    /// How long a server-to-client request (sampling, elicitation, roots, ping) waits
    /// for the client's answer before the handler gets an error (session era).
    pub client_request_timeout: Duration,
    /// How long an input-required `requestState` stays valid (2026 era). Default: 5
    /// minutes, enough for a person to answer an elicitation form.
    ///
    /// Each round seals a fresh state. A state is bound to its method, target and
    /// arguments (and sealed with the server's key), and the answers it carries win over
    /// any the client re-sends. Within this window a client may replay a state: the spec's
    /// measures bound replay, they do not make a state single-use, so a handler whose
    /// effect must happen at most once must enforce that itself (e.g. an idempotency key
    /// in its own store).
    pub request_state_ttl: Duration,
    /// List-changed announcements within this window are merged into one.
    pub list_changed_debounce: Duration,
    /// Ping session-era clients this often; one that does not answer within
    /// `client_request_timeout` has its requests cancelled. Off by default.
    pub keepalive: Option<Duration>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            page_size: 1000,
            max_in_flight: 128,
            max_message_bytes: 4 * 1024 * 1024,
            cancel_grace: Duration::from_secs(2),
            cache_ttl_public_ms: 0,
            cache_ttl_private_ms: 0,
            outbound_capacity: 1024,
            client_request_timeout: Duration::from_secs(60),
            request_state_ttl: Duration::from_secs(5 * 60),
            list_changed_debounce: Duration::from_millis(50),
            keepalive: None,
        }
    }
}

pub(crate) struct ServerShared {
    pub(crate) info: Implementation,
    pub(crate) instructions: Option<String>,
    pub(crate) tools: ArcSwap<ToolCatalog>,
    pub(crate) state: Extensions,
    pub(crate) config: ServerConfig,
    pub(crate) hub: Arc<Hub>,
    pub(crate) state_key: StateKey,
    pub(crate) disabled: handle::Disabled,
    pub(crate) on_roots_changed: Option<RootsChanged>,
    pub(crate) resources: ResourceStore,
    pub(crate) prompts: ArcSwap<PromptCatalog>,
    /// Fixed at build: capabilities cannot change after clients have seen them.
    pub(crate) offers: Offers,
    /// Protocol extensions (the tasks extension among them), indexed once.
    pub(crate) extensions: crate::extension::ExtensionSet,
    /// Tasks, when some tool can run as one (or `ServerBuilder::tasks` was called).
    pub(crate) tasks: Option<Arc<crate::tasks::TaskManager>>,
    /// Registry name, repository, remotes, settings (the card and installers read it).
    pub(crate) identity: crate::identity::Identity,
    /// What this server shares with other instances (`ServerBuilder::stores`).
    #[cfg(feature = "http")]
    pub(crate) stores: crate::stores::Stores,
    /// Middleware, also applied to tools added while serving.
    pub(crate) layers: crate::middleware::Layers,
    /// Mounted servers, in mount order (their index is `ToolEntry::mount`).
    pub(crate) mounts: Vec<MountSlot>,
    /// Who may see and call which tool (`ServerBuilder::visibility`).
    pub(crate) visibility: Option<Visibility>,
    /// Some mount is a remote server: requests wait for its first connection.
    pub(crate) has_remotes: bool,
    /// This server's own prompts and each mount's, to rebuild the catalog from.
    pub(crate) prompt_sources: std::sync::Mutex<PromptSources>,
}

/// One mounted server and how its names are translated.
pub(crate) struct MountSlot {
    pub(crate) names: Namespace,
    pub(crate) kind: MountKind,
}

impl MountSlot {
    fn is_remote(&self) -> bool {
        !matches!(self.kind, MountKind::Local(_))
    }
}

pub(crate) enum MountKind {
    Local(Arc<ServerShared>),
    #[cfg(feature = "proxy")]
    Remote(Arc<crate::proxy::Upstream>),
}

/// What the prompt catalog is built from.
#[derive(Default)]
pub(crate) struct PromptSources {
    own: Vec<Arc<PromptEntry>>,
    mounted: Vec<Vec<Arc<PromptEntry>>>,
}

/// Which optional features the server declares.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Offers {
    pub(crate) resources: bool,
    pub(crate) prompts: bool,
    pub(crate) completions: bool,
}

/// Called when a session-era client announces that its roots changed.
pub(crate) type RootsChanged = Arc<dyn Fn(Peer) + Send + Sync>;

impl ServerShared {
    /// Ends the connections to proxied remote servers (their stdio children exit) once
    /// serving has ended.
    pub(crate) async fn close_remotes(&self) {
        #[cfg(feature = "proxy")]
        self.close_remote_mounts().await;
    }

    /// Capabilities derived from what is registered, as `era` declares them.
    pub(crate) fn capabilities(&self, era: crate::protocol::Era) -> ServerCapabilities {
        let list_changed = ListChanged {
            list_changed: Some(true),
        };
        #[allow(unused_mut)]
        let mut offers = self.offers;
        #[cfg(feature = "proxy")]
        if self.has_remotes {
            let (resources, prompts, completions) = self.remote_offers();
            offers.resources |= resources;
            offers.prompts |= prompts;
            offers.completions |= completions;
        }
        ServerCapabilities {
            tools: Some(list_changed.clone()),
            logging: Some(Default::default()),
            // Resources added while serving count too: a client that connects after the
            // first one was added sees the capability.
            resources: (offers.resources || !self.resources.load().is_empty()).then_some(
                ResourcesCapability {
                    subscribe: Some(true),
                    list_changed: Some(true),
                },
            ),
            prompts: offers.prompts.then_some(list_changed),
            completions: offers.completions.then(Default::default),
            // 2025-11-25 core tasks; 2026-07-28 declares the extension instead.
            // (A proxy declares them once a remote serves a task tool.)
            tasks: (self.tasks.is_some()
                && era == crate::protocol::Era::Session
                && (!self.has_remotes || self.tools.load().has_task_tools()))
            .then(|| {
                serde_json::json!({ "list": {}, "cancel": {}, "requests": { "tools": { "call": {} } } })
            }),
            extensions: self.extensions.capabilities(era),
        }
    }
}

/// A built server. Cheap to clone; all clones serve the same tools and state.
#[derive(Clone)]
pub struct Server {
    pub(crate) shared: Arc<ServerShared>,
}

/// Configures a [`Server`]. Obtained from [`Server::from_registry`] or [`Server::builder`];
/// [`build`](Self::build) checks everything once (names, schemas, duplicates, the state
/// handlers need) and returns an error naming what is wrong.
///
/// ```
/// # use mcp_runtime as mcpserve;
/// use std::time::Duration;
/// use mcpserve::Server;
///
/// #[derive(Clone)]
/// struct Db; // extracted in handlers as `State<Db>`
///
/// # fn main() -> mcpserve::Result<()> {
/// let server = Server::from_registry()
///     .name("notes")
///     .version("1.2.0")
///     .instructions("Notes live in folders; search before creating one.")
///     .state(Db)
///     .configure(|c| {
///         c.page_size = 100;
///         c.client_request_timeout = Duration::from_secs(30);
///     })
///     .build()?;
/// assert_eq!(server.info().name, "notes");
/// // server.serve_stdio().await, .serve_http("127.0.0.1:8080").await, ...
/// # Ok(()) }
/// ```
#[must_use = "a builder does nothing until it is built or served"]
pub struct ServerBuilder {
    name: Option<String>,
    version: Option<String>,
    title: Option<String>,
    description: Option<String>,
    website_url: Option<String>,
    icons: Vec<Icon>,
    instructions: Option<String>,
    state: Extensions,
    groups: Vec<String>,
    tools: Vec<ToolDef>,
    resources: Vec<ResourceDef>,
    use_registry: bool,
    config: ServerConfig,
    caller_file: &'static str,
    state_key: Option<StateKey>,
    on_roots_changed: Option<RootsChanged>,
    layers: crate::middleware::Layers,
    mounts: Vec<Mount>,
    visibility: Option<Visibility>,
    extensions: Vec<crate::extension::Extension>,
    skills: Option<crate::skills::Skills>,
    tasks: Option<crate::tasks::TaskConfig>,
    #[cfg(feature = "http")]
    stores: crate::stores::Stores,
    pub(crate) identity: crate::identity::IdentityConfig,
}

impl Server {
    /// A builder holding every `#[tool]` linked into the binary. `serverInfo` names the
    /// binary: its crate's metadata when the binary's crate defines registered items,
    /// else the executable's name; when the tools all live in library crates, pass the
    /// binary's metadata with [`crate_info`](ServerBuilder::crate_info)`(crate_info!())`.
    #[track_caller]
    pub fn from_registry() -> ServerBuilder {
        Self::builder()
    }

    /// Same as [`from_registry`](Self::from_registry): registered tools are always included.
    #[track_caller]
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            name: None,
            version: None,
            title: None,
            description: None,
            website_url: None,
            icons: Vec::new(),
            instructions: None,
            state: Extensions::default(),
            groups: Vec::new(),
            tools: Vec::new(),
            resources: Vec::new(),
            use_registry: true,
            config: ServerConfig::default(),
            caller_file: std::panic::Location::caller().file(),
            state_key: None,
            on_roots_changed: None,
            layers: Default::default(),
            mounts: Vec::new(),
            visibility: None,
            extensions: Vec::new(),
            skills: None,
            tasks: None,
            #[cfg(feature = "http")]
            stores: Default::default(),
            identity: Default::default(),
        }
    }

    /// The server's identity as sent in `serverInfo`.
    pub fn info(&self) -> &Implementation {
        &self.shared.info
    }

    /// The configuration in effect.
    pub fn config(&self) -> &ServerConfig {
        &self.shared.config
    }

    /// The tools being served, in `tools/list` order.
    pub fn tools(&self) -> Vec<Tool> {
        self.shared
            .tools
            .load()
            .entries()
            .map(|e| e.tool.clone())
            .collect()
    }

    /// A handle for changing tools and announcing changes while the server runs.
    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            shared: self.shared.clone(),
        }
    }

    /// A handle to add and remove resources and announce changes while serving.
    pub fn resources(&self) -> Resources {
        Resources {
            shared: self.shared.clone(),
        }
    }

    /// The dispatcher transports feed messages to (for transports written against
    /// `mcp-runtime`; the facade's `serve_*` methods cover stdio, byte streams and HTTP).
    #[doc(hidden)]
    pub fn dispatcher(&self) -> Dispatcher {
        Dispatcher {
            server: self.shared.clone(),
        }
    }
}

impl ServerBuilder {
    /// Sets `serverInfo.name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `serverInfo.version`.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Sets `serverInfo.title`.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets `serverInfo.description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets `serverInfo.websiteUrl`.
    pub fn website_url(mut self, url: impl Into<String>) -> Self {
        self.website_url = Some(url.into());
        self
    }

    /// Adds an icon to `serverInfo`.
    pub fn icon(mut self, icon: Icon) -> Self {
        self.icons.push(icon);
        self
    }

    /// Sets the instructions sent to clients.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Registers shared state, extracted in handlers with `State<T>`.
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state.insert(value);
        self
    }

    /// Serves tools of these groups (`#[tool(group = "...")]`) in addition to ungrouped ones.
    pub fn groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.groups.extend(groups.into_iter().map(Into::into));
        self
    }

    /// Adds a tool built at run time.
    pub fn tool(mut self, tool: ToolDef) -> Self {
        self.tools.push(tool);
        self
    }

    /// Adds a resource built at run time (more can be added while serving with
    /// [`Server::resources`]).
    pub fn resource(mut self, resource: ResourceDef) -> Self {
        self.resources.push(resource);
        self
    }

    /// Leaves out registered (`#[tool]`) tools; only tools added with [`tool`](Self::tool) are served.
    pub fn without_registry(mut self) -> Self {
        self.use_registry = false;
        self
    }

    /// Replaces the configuration.
    pub fn config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// Changes the configuration in place.
    pub fn configure(mut self, f: impl FnOnce(&mut ServerConfig)) -> Self {
        f(&mut self.config);
        self
    }

    /// Sets the secret that seals `requestState` of input-required results (2026 era).
    /// Instances behind one load balancer must share it; by default each process picks
    /// a random one, so a retry must reach the same process.
    pub fn request_state_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.state_key = Some(StateKey::from_bytes(key.as_ref()));
        self
    }

    /// Runs `f` when a session-era client sends `notifications/roots/list_changed`;
    /// [`Peer::roots`] fetches the new list.
    pub fn on_roots_changed(mut self, f: impl Fn(Peer) + Send + Sync + 'static) -> Self {
        self.on_roots_changed = Some(Arc::new(f));
        self
    }

    /// Wraps every tool's calls in a middleware `layer`: any tower [`Layer`] over the
    /// [`CallService`] (tower's own `TimeoutLayer`, `ConcurrencyLimitLayer`, ...), a
    /// [`from_fn`](crate::middleware::from_fn) function or a built-in from
    /// [`middleware`](crate::middleware). Each layer wraps those added before it (the
    /// last added runs first); tools added while serving get the layers too.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_runtime::{middleware::Timeout, Server};
    ///
    /// let server = Server::builder().layer(Timeout::new(Duration::from_secs(30))).build();
    /// ```
    ///
    /// [`Layer`]: crate::middleware::Layer
    /// [`CallService`]: crate::middleware::CallService
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: tower_layer::Layer<crate::middleware::CallService> + Send + Sync + 'static,
        L::Service: tower_service::Service<crate::tool::ToolCall, Response = crate::CallToolResult>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower_service::Service<crate::tool::ToolCall>>::Error:
            Into<crate::middleware::BoxError>,
        <L::Service as tower_service::Service<crate::tool::ToolCall>>::Future: Send + 'static,
    {
        self.layer_for(crate::middleware::Select::all(), layer)
    }

    /// Like [`layer`](Self::layer), for the tools `select` picks: a tool name, several
    /// (`["a", "b"]`), a group ([`Select::group`](crate::middleware::Select::group)) or a
    /// predicate ([`Select::when`](crate::middleware::Select::when)). Other tools do not
    /// pay for the layer at all.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mcp_runtime::middleware::{Select, Timeout};
    /// use mcp_runtime::Server;
    ///
    /// let server = Server::builder()
    ///     .layer_for("slow_report", Timeout::new(Duration::from_secs(300)))
    ///     .layer_for(Select::group("admin"), Timeout::new(Duration::from_secs(5)))
    ///     .build();
    /// ```
    pub fn layer_for<L>(mut self, select: impl Into<crate::middleware::Select>, layer: L) -> Self
    where
        L: tower_layer::Layer<crate::middleware::CallService> + Send + Sync + 'static,
        L::Service: tower_service::Service<crate::tool::ToolCall, Response = crate::CallToolResult>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as tower_service::Service<crate::tool::ToolCall>>::Error:
            Into<crate::middleware::BoxError>,
        <L::Service as tower_service::Service<crate::tool::ToolCall>>::Future: Send + 'static,
    {
        self.layers.push(select.into(), layer);
        self
    }

    /// Serves `server`'s tools, prompts and resources inside this one, its tools and
    /// prompts renamed `<namespace>_<name>` (an empty namespace keeps the names; resource
    /// URIs stay as they are). Names taken twice are a [`build`](Self::build) error
    /// naming both definitions. See [`Mount`] for the rules and
    /// [`mount_with`](Self::mount_with) for the options.
    ///
    /// ```
    /// use mcp_runtime::{Server, ToolCall, ToolDef};
    ///
    /// # fn demo() -> mcp_runtime::Result<()> {
    /// let billing = Server::builder()
    ///     .without_registry()
    ///     .tool(ToolDef::new("charge", |_c: ToolCall| async { "charged" }))
    ///     .build()?;
    /// let app = Server::builder().without_registry().mount("billing", billing).build()?;
    /// assert!(app.tools().iter().any(|t| t.name == "billing_charge"));
    /// # Ok(()) }
    /// ```
    pub fn mount(self, namespace: impl Into<String>, server: Server) -> Self {
        self.mount_with(Mount::server(server).namespace(namespace))
    }

    /// Mounts with explicit options (separator, resource prefixes, remote servers).
    pub fn mount_with(mut self, mount: Mount) -> Self {
        self.mounts.push(mount);
        self
    }

    /// Decides per request which tools a caller sees in `tools/list` and may call (a
    /// hidden tool is an unknown tool: `-32602`). The predicate gets the request's
    /// [`Context`](crate::Context) (its client, its `_meta`, its principal) and the tool.
    /// Without one every tool is visible and the lists are served pre-rendered.
    ///
    /// ```
    /// use mcp_runtime::Server;
    ///
    /// let server = Server::builder().visibility(|ctx, tool| {
    ///     !tool.name.starts_with("admin_")
    ///         || ctx.client_info().is_some_and(|c| c.name == "ops-console")
    /// });
    /// ```
    pub fn visibility(
        mut self,
        f: impl Fn(&crate::Context, &Tool) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.visibility = Some(Arc::new(f));
        self
    }

    /// Adds a protocol extension: advertised in `capabilities.extensions`, its methods
    /// served by the dispatcher (see [`crate::extension`]).
    pub fn extension(mut self, extension: crate::extension::Extension) -> Self {
        self.extensions.push(extension);
        self
    }

    /// Shares state with other instances of this server behind a load balancer:
    /// sessions, resumable SSE events, tasks and announcements (see [`crate::stores`];
    /// with the `redis` feature, `RedisStores::connect(url)`). Every instance must use
    /// the same stores and the same [`request_state_key`](Self::request_state_key).
    /// These win over [`HttpConfig::event_store`](crate::transport::http::HttpConfig)
    /// and [`TaskConfig::store`](crate::tasks::TaskConfig).
    #[cfg(feature = "http")]
    pub fn stores(mut self, stores: impl Into<crate::stores::Stores>) -> Self {
        self.stores = stores.into();
        self
    }

    /// Serves these skills (the `io.modelcontextprotocol/skills` extension, see
    /// [`crate::skills`]); called again, adds more. They are checked, digested and
    /// paginated by [`build`](Self::build), which fails naming the file of an invalid
    /// skill.
    pub fn skills(mut self, skills: crate::skills::Skills) -> Self {
        self.skills = Some(match self.skills.take() {
            Some(before) => before.and(skills),
            None => skills,
        });
        self
    }

    /// Enables tasks with this configuration (limits, TTLs, store). Tasks are enabled
    /// with the default configuration anyway when a tool is declared with
    /// `#[tool(task = "...")]`; call this to tune them, or to add task tools at run time.
    pub fn tasks(mut self, config: crate::tasks::TaskConfig) -> Self {
        self.tasks = Some(config);
        self
    }

    /// Builds the server: collects tools, rejects duplicates and invalid names, and
    /// generates and checks every schema once.
    pub fn build(self) -> Result<Server> {
        let descriptors: Vec<&'static ToolDescriptor> = if self.use_registry {
            let mut d: Vec<_> = registry::tools()
                .filter(|t| t.group.is_none_or(|g| self.groups.iter().any(|s| s == g)))
                .collect();
            d.sort_by_key(|t| (t.location.file, t.location.line, t.name));
            d
        } else {
            Vec::new()
        };
        check_requirements(&descriptors, self.use_registry, &self.state)?;
        let default_crate = default_crate(&descriptors, self.caller_file);
        let mut entries = Vec::with_capacity(descriptors.len() + self.tools.len());
        for d in &descriptors {
            entries.push(entry_from_descriptor(d)?.layered(&self.layers));
        }
        for def in self.tools {
            entries.push(def.into_entry()?.layered(&self.layers));
        }
        let mut extensions = self.extensions;
        if let Some(skills) = self.skills {
            extensions.push(skills.into_extension(self.config.page_size)?);
        }
        let fixed: Vec<ResourceDef> = extensions
            .iter_mut()
            .flat_map(|e| std::mem::take(&mut e.resources))
            .collect();
        let (resources, own_prompts, mut offers) = content_catalogs(
            self.use_registry,
            self.resources,
            fixed,
            self.config.page_size,
        )?;
        let mut slots = Vec::with_capacity(self.mounts.len());
        let mut mounted_prompts = Vec::with_capacity(self.mounts.len());
        let mut locals = Vec::new();
        for (index, m) in self.mounts.iter().enumerate() {
            let names = m.names();
            match &m.source {
                mount::Source::Local(child) => {
                    let child = child.shared.clone();
                    entries.extend(mount::local_tools(index, &names, &child, &self.layers)?);
                    mounted_prompts.push(mount::local_prompts(&names, &child));
                    resources.set_mounted(index, mount::local_resources(&names, &child)?, true)?;
                    offers.resources |= child.offers.resources;
                    offers.prompts |= child.offers.prompts;
                    offers.completions |= child.offers.completions;
                    locals.push((index, child.clone()));
                    slots.push(MountSlot {
                        names,
                        kind: MountKind::Local(child),
                    });
                }
                #[cfg(feature = "proxy")]
                mount::Source::Remote(remote) => {
                    mounted_prompts.push(Vec::new());
                    let upstream =
                        crate::proxy::Upstream::new(remote.clone(), index, m.namespace_str());
                    slots.push(MountSlot {
                        names,
                        kind: MountKind::Remote(upstream),
                    });
                }
            }
        }
        let prompt_sources = PromptSources {
            own: own_prompts,
            mounted: mounted_prompts,
        };
        let prompts = prompt_sources.catalog(self.config.page_size)?;
        if entries.is_empty() && !offers.resources && !offers.prompts && self.mounts.is_empty() {
            warn_nothing_registered();
        }
        let catalog = ToolCatalog::new(entries, self.config.page_size)?;
        // A proxy learns its remotes' task tools only once connected: it is ready for them.
        let remote_tasks = self
            .mounts
            .iter()
            .any(|m| !matches!(m.source, mount::Source::Local(_)));
        let tasks = match self.tasks {
            Some(config) => Some(config),
            None => (catalog.has_task_tools() || remote_tasks).then(Default::default),
        };
        #[cfg(feature = "http")]
        let tasks = tasks.map(|mut config: crate::tasks::TaskConfig| {
            if let Some(store) = &self.stores.tasks {
                config.store = store.clone();
            }
            config
        });
        let tasks = tasks.map(crate::tasks::TaskManager::new);
        if tasks.is_some() {
            extensions.insert(0, crate::tasks::extension());
        }
        if crate::apps::check_links(&catalog, &resources.load())?
            && !extensions.iter().any(|e| e.id == crate::apps::EXTENSION_ID)
        {
            extensions.push(crate::apps::extension());
        }
        let mut extensions = crate::extension::ExtensionSet::build(extensions)?;
        for (index, child) in &locals {
            let mount = self.mounts[*index].namespace_str();
            extensions.adopt(&child.extensions, child, mount)?;
        }
        tracing::debug!(tools = catalog.len(), "server built");
        let (info, identity) = crate::identity::resolve(
            self.identity,
            default_crate,
            crate::identity::InfoOverrides {
                name: self.name,
                version: self.version,
                title: self.title,
                description: self.description,
                website_url: self.website_url,
                icons: self.icons,
            },
        )?;
        let hub = Arc::new(Hub::new());
        #[cfg(feature = "http")]
        if let Some(cluster) = &self.stores.cluster {
            let _ = hub.cluster.set(cluster.clone());
        }
        let server = Server {
            shared: Arc::new(ServerShared {
                info,
                instructions: self.instructions,
                tools: ArcSwap::from_pointee(catalog),
                state: self.state,
                config: self.config,
                hub,
                state_key: self.state_key.unwrap_or_else(StateKey::random),
                disabled: Default::default(),
                on_roots_changed: self.on_roots_changed,
                resources,
                prompts: ArcSwap::from_pointee(prompts),
                offers,
                extensions,
                tasks,
                identity,
                #[cfg(feature = "http")]
                stores: self.stores,
                layers: self.layers,
                has_remotes: slots.iter().any(MountSlot::is_remote),
                mounts: slots,
                visibility: self.visibility,
                prompt_sources: std::sync::Mutex::new(prompt_sources),
            }),
        };
        for (index, child) in &locals {
            mount::follow(&server.shared, *index, child);
        }
        server.start_mounts();
        Ok(server)
    }
}

impl PromptSources {
    fn catalog(&self, page_size: usize) -> Result<PromptCatalog> {
        let all = self
            .own
            .iter()
            .chain(self.mounted.iter().flatten())
            .cloned()
            .collect();
        PromptCatalog::new(all, page_size)
    }
}

impl Server {
    /// Starts following remote mounts (proxies); nothing for local ones.
    fn start_mounts(&self) {
        #[cfg(feature = "proxy")]
        for slot in &self.shared.mounts {
            if let MountKind::Remote(upstream) = &slot.kind {
                upstream.start(&self.shared);
            }
        }
    }
}

impl ServerShared {
    /// True when the request may see and call the tool (always, without predicates).
    pub(crate) fn is_visible(&self, ctx: &crate::Context, e: &ToolEntry) -> bool {
        self.visibility.as_ref().is_none_or(|f| f(ctx, &e.tool))
            && e.visible.as_ref().is_none_or(|f| f(ctx, &e.tool))
    }

    /// Replaces mount `index`'s tools. Names taken twice are an error at build
    /// (`strict`); while serving, the mount's duplicates are left out with a warning.
    pub(crate) fn set_mounted_tools(
        &self,
        index: usize,
        mut tools: Vec<ToolEntry>,
        strict: bool,
    ) -> Result<()> {
        let disabled = self.disabled.0.lock().expect("catalog lock");
        let current = self.tools.load();
        let (mut own, mut mounted): (Vec<Arc<ToolEntry>>, Vec<Arc<ToolEntry>>) =
            current.entries().cloned().partition(|e| e.mount.is_none());
        mounted.retain(|e| e.mount != Some(index));
        if !strict {
            tools.retain(|t| {
                let taken = own.iter().chain(&mounted).any(|e| e.name == t.name);
                if taken {
                    tracing::warn!(tool = %t.name, "a mounted tool is shadowed by another tool of the same name");
                }
                !taken && !disabled.contains_key(&*t.name)
            });
        }
        mounted.extend(tools.into_iter().map(Arc::new));
        mounted.sort_by_key(|e| e.mount);
        own.extend(mounted);
        let catalog = ToolCatalog::from_shared(own, self.config.page_size)?;
        self.tools.store(Arc::new(catalog));
        Ok(())
    }

    /// Replaces mount `index`'s prompts (see [`set_mounted_tools`](Self::set_mounted_tools)).
    pub(crate) fn set_mounted_prompts(
        &self,
        index: usize,
        mut prompts: Vec<Arc<PromptEntry>>,
        strict: bool,
    ) -> Result<()> {
        let mut sources = self.prompt_sources.lock().expect("prompt sources lock");
        if sources.mounted.len() <= index {
            sources.mounted.resize_with(index + 1, Vec::new);
        }
        if !strict {
            let others: Vec<String> = sources
                .own
                .iter()
                .chain(
                    sources
                        .mounted
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != index)
                        .flat_map(|(_, m)| m),
                )
                .map(|e| e.prompt.name.clone())
                .collect();
            prompts.retain(|p| !others.contains(&p.prompt.name));
        }
        sources.mounted[index] = prompts;
        let catalog = sources.catalog(self.config.page_size)?;
        self.prompts.store(Arc::new(catalog));
        Ok(())
    }
}

/// Every registered handler's extractors get what they need (today: the state types of
/// `State<T>` and extractors built on it), or the server is not built: the error names
/// each handler and type, where otherwise every call would fail with `-32603`.
fn check_requirements(
    tools: &[&'static ToolDescriptor],
    use_registry: bool,
    state: &Extensions,
) -> Result<()> {
    let mut handlers: Vec<(String, registry::Location, registry::RequiresFn)> = tools
        .iter()
        .map(|d| (format!("tool `{}`", d.name), d.location, d.requires))
        .collect();
    if use_registry {
        handlers.extend(
            registry::resources()
                .map(|d| (format!("resource `{}`", d.uri), d.location, d.requires)),
        );
        handlers.extend(
            registry::prompts().map(|d| (format!("prompt `{}`", d.name), d.location, d.requires)),
        );
    }
    handlers.sort_by_key(|(_, at, _)| (at.file, at.line));
    let mut problems = Vec::new();
    for (what, at, requires) in handlers {
        let mut needs = crate::extract::Requirements::default();
        requires(&mut needs);
        for missing in needs.missing_states(state) {
            problems.push(format!(
                "{what} (at {at}) takes `State<{missing}>`, but no `{missing}` was registered: add `.state(value)` to the server builder"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::startup(problems.join("; ")))
    }
}

/// Resources and prompts from the registry (sorted by file and line) plus run-time
/// resources, and which capabilities they make the server declare.
fn content_catalogs(
    use_registry: bool,
    runtime: Vec<ResourceDef>,
    fixed: Vec<ResourceDef>,
    page_size: usize,
) -> Result<(ResourceStore, Vec<Arc<PromptEntry>>, Offers)> {
    let mut resources: Vec<&'static ResourceDescriptor> = Vec::new();
    let mut prompts: Vec<&'static PromptDescriptor> = Vec::new();
    if use_registry {
        resources.extend(registry::resources());
        resources.sort_by_key(|d| (d.location.file, d.location.line, d.uri));
        prompts.extend(registry::prompts());
        prompts.sort_by_key(|d| (d.location.file, d.location.line, d.name));
    }
    let has_runtime = !runtime.is_empty();
    let (mut statics, templates) = resources::from_registry(&resources)?;
    for def in fixed {
        statics.push(def.into_fixed()?);
    }
    let store = ResourceStore::new(statics, templates, runtime, page_size)?;
    let prompts = PromptCatalog::registry_entries(&prompts)?;
    let catalog = store.load();
    let can_complete = |a: &registry::ArgSpec| a.complete.is_some() || !a.enum_values.is_empty();
    let offers = Offers {
        resources: has_runtime || !catalog.is_empty(),
        prompts: !prompts.is_empty(),
        completions: catalog
            .templates()
            .iter()
            .any(|t| t.variables.iter().any(can_complete))
            || prompts.iter().any(|p| p.arguments.iter().any(can_complete)),
    };
    drop(catalog);
    Ok((store, prompts, offers))
}

fn entry_from_descriptor(d: &'static ToolDescriptor) -> Result<ToolEntry> {
    schema::check_tool_name(d.name)
        .map_err(|e| Error::startup(format!("{e} (at {})", d.location)))?;
    let input_schema = (d.input_schema)(&mut schema::input_generator());
    if input_schema.get("type").and_then(|t| t.as_str()) != Some("object") {
        return Err(Error::startup(format!(
            "tool `{}` (at {}): the input schema must have `type: object`",
            d.name, d.location
        )));
    }
    let output_schema = (d.output_schema)(&mut schema::output_generator());
    let annotations = ToolAnnotations {
        title: d.annotations.title.map(str::to_owned),
        read_only_hint: d.annotations.read_only,
        destructive_hint: d.annotations.destructive,
        idempotent_hint: d.annotations.idempotent,
        open_world_hint: d.annotations.open_world,
    };
    let meta = resources::meta(d.meta, &format!("tool `{}`", d.name))?;
    let tool = Tool {
        execution: d.task_support.execution(),
        name: d.name.to_owned(),
        title: d.title.map(str::to_owned),
        description: d.description.map(str::to_owned),
        input_schema,
        output_schema,
        annotations: (!annotations.is_empty()).then_some(annotations),
        icons: resources::icons(d.icons),
        meta,
    };
    let mut entry = ToolEntry::new(tool, Handler::Static(d.call), Some(d.location))?;
    entry.group = d.group.map(Into::into);
    entry.scopes =
        crate::auth::Scopes::declared(d.scopes, &format!("tool `{}` (at {})", d.name, d.location))?;
    // `#[tool(layer = ..)]` wraps the handler first: the server's layers go around it.
    if let Some(layer) = d.layer {
        let bare = crate::middleware::CallService::bare(
            entry.tool.clone(),
            entry.group.clone(),
            entry.handler.clone(),
        );
        entry.handler = layer(bare).into_handler();
    }
    Ok(entry)
}

/// Said when a server has nothing to serve: almost always a crate of `#[tool]`s that the
/// binary depends on but never names, which rustc then does not link. Printed straight
/// to stderr when no `tracing` subscriber would show it.
fn warn_nothing_registered() {
    const MSG: &str = "no tools, resources or prompts are registered. #[tool], #[resource] and \
        #[prompt] items in a library crate are only collected when the binary links that crate, \
        and rustc links a dependency only if code refers to it: add `use my_tools as _;` \
        (your crate's name) to `main.rs`";
    if tracing::dispatcher::has_been_set() {
        tracing::warn!("{MSG}");
    } else {
        eprintln!("warning: {MSG}");
    }
}

/// The crate whose metadata becomes `serverInfo` and the rest of the identity by
/// default: the binary's own crate when it defines registered items (found by the file
/// that builds the server, or by module path: a binary's crate is named after its
/// executable). Items from linked library crates never name the server: without a match
/// `identity::resolve` uses the executable's name (or [`ServerBuilder::crate_info`]).
fn default_crate(tools: &[&'static ToolDescriptor], caller_file: &str) -> Option<CrateInfo> {
    let items: Vec<(Location, CrateInfo)> = tools
        .iter()
        .map(|d| (d.location, d.krate))
        .chain(registry::resources().map(|d| (d.location, d.krate)))
        .chain(registry::prompts().map(|d| (d.location, d.krate)))
        .collect();
    items
        .iter()
        .find(|(l, _)| l.file == caller_file)
        .or_else(|| {
            // Asked only when the file does not decide: reading the executable's path
            // (`/proc/self/exe`) was a measurable part of a server's start.
            let exe = executable_name();
            items.iter().find(|(l, _)| {
                let krate = l.module.split("::").next().unwrap_or_default();
                same_crate_name(krate, &exe)
            })
        })
        .map(|(_, k)| *k)
}

/// The running executable's file name without extension, or the hash cargo appends to
/// test binaries (`notes-1f2e3d4c5b6a7980` → `notes`).
pub(crate) fn executable_name() -> String {
    let stem = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "mcp-server".to_owned());
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name.to_owned()
        }
        _ => stem,
    }
}

/// Names compare with `-` and `_` alike (executables keep `-`, crate names use `_`).
fn same_crate_name(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .all(|(x, y)| x == y || (matches!(x, b'-' | b'_') && matches!(y, b'-' | b'_')))
}
