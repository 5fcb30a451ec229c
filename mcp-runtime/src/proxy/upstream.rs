//! One remote server behind the proxy: its connection (kept up with backoff), the lists
//! it serves (re-read when it announces changes) and its entries in the mounting
//! server's catalogs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::forward::{forward, forward_as_task, member, Call, Failure, Forwarded, ResultType};
use super::{Remote, Target};
use crate::client::{Client, ClientError, ServerNotification, Transport};
use crate::error::{Error, Result};
use crate::extract::Context;
use crate::notify::Change;
use crate::protocol::types::{CallToolResult, ServerCapabilities, Tool};
use crate::protocol::{Completion, Era, GetPromptResult, ReadResourceResult, Resource};
use crate::server::{
    Handler, MountKind, MountedResources, Namespace, PromptEntry, Reader, ResourceEntry,
    ServerShared, TemplateEntry, ToolEntry,
};
use crate::uri_template::UriTemplate;

/// Where the connection stands.
#[derive(Debug, Clone)]
enum Status {
    Connecting {
        attempt: u32,
    },
    Ready,
    Down {
        reason: String,
        attempt: u32,
        retry_at: Instant,
    },
}

/// A remote's tool, as this server serves it.
pub(crate) struct RemoteTool {
    upstream: Weak<Upstream>,
    /// Its name on the remote.
    name: Arc<str>,
    /// How the remote runs it.
    support: crate::tasks::TaskSupport,
}

impl RemoteTool {
    /// Calls it for the caller `ctx` with its arguments as sent. A call the proxy runs
    /// as a task (`in_task`) runs as one on the remote too when the remote supports it,
    /// so its outcome is the remote task's (a failure fails it, input pauses it).
    pub(crate) async fn call(
        &self,
        ctx: &Context,
        args: Option<&RawValue>,
        in_task: bool,
    ) -> Result<Forwarded> {
        let Some(up) = self.upstream.upgrade() else {
            return Err(Error::internal("the proxy is shutting down"));
        };
        use crate::tasks::TaskSupport;
        let as_task = match self.support {
            TaskSupport::Required => true,
            TaskSupport::Optional => in_task,
            TaskSupport::Forbidden => false,
        };
        up.call_tool(&self.name, ctx, args, as_task).await
    }
}

pub(crate) struct Upstream {
    remote: Remote,
    index: usize,
    label: Arc<str>,
    status: watch::Sender<Status>,
    /// True once the first attempt finished (connected and listed, or failed).
    settled: watch::Sender<bool>,
    client: Mutex<Option<Client>>,
    capabilities: OnceLock<ServerCapabilities>,
    /// Resource subscriptions of this server's clients, counted per URI (remote URIs).
    subscriptions: Mutex<HashMap<String, usize>>,
    parent: OnceLock<Weak<ServerShared>>,
    me: Weak<Upstream>,
    /// Fired by [`shutdown`](Self::shutdown): the supervisor closes the connection and
    /// stops reconnecting.
    stop: tokio_util::sync::CancellationToken,
    /// True once the supervisor has stopped (the connection is closed).
    stopped: watch::Sender<bool>,
}

impl Upstream {
    pub(crate) fn new(remote: Remote, index: usize, namespace: &str) -> Arc<Self> {
        let label: Arc<str> = if namespace.is_empty() {
            remote.describe().into()
        } else {
            namespace.into()
        };
        Arc::new_cyclic(|me| Upstream {
            remote,
            index,
            label,
            status: watch::Sender::new(Status::Connecting { attempt: 1 }),
            settled: watch::Sender::new(false),
            client: Mutex::default(),
            capabilities: OnceLock::new(),
            subscriptions: Mutex::default(),
            parent: OnceLock::new(),
            me: me.clone(),
            stop: tokio_util::sync::CancellationToken::new(),
            stopped: watch::Sender::new(false),
        })
    }

    /// Starts the connection's supervisor (needs a Tokio runtime).
    pub(crate) fn start(&self, parent: &Arc<ServerShared>) {
        let _ = self.parent.set(Arc::downgrade(parent));
        let Some(me) = self.me.upgrade() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(me.supervise());
            }
            Err(_) => {
                tracing::error!(remote = %self.label, "a proxy needs a Tokio runtime when the server is built");
                let _ = self.settled.send_replace(true);
                self.status.send_replace(Status::Down {
                    reason: "the server was built outside a Tokio runtime".into(),
                    attempt: 1,
                    retry_at: Instant::now() + Duration::from_secs(3600),
                });
            }
        }
    }

    /// The remote's capabilities, once known.
    pub(crate) fn capabilities(&self) -> Option<&ServerCapabilities> {
        self.capabilities.get()
    }

    /// True once the first connection attempt finished.
    fn is_settled(&self) -> bool {
        *self.settled.borrow()
    }

    /// Waits for the first connection attempt to finish (at most the connect timeout).
    pub(crate) async fn settled(&self) {
        let mut rx = self.settled.subscribe();
        let _ = tokio::time::timeout(self.remote.connect_timeout, rx.wait_for(|s| *s)).await;
    }

    /// The live connection; while one is being made, waits for it (at most the connect
    /// timeout). The error says why there is none.
    pub(crate) async fn client(&self) -> std::result::Result<Client, String> {
        // Connected: no subscription nor deadline needed (every call asks).
        if matches!(*self.status.borrow(), Status::Ready) {
            let client = self.client.lock().expect("client lock").clone();
            if let Some(c) = client.filter(|c| !c.is_closed()) {
                return Ok(c);
            }
        }
        // Boxed: the wait's state (a subscription, a timer) would otherwise be part of
        // every forwarded call's future.
        Box::pin(self.wait_for_client()).await
    }

    /// Waits for the connection (up to the connect timeout).
    async fn wait_for_client(&self) -> std::result::Result<Client, String> {
        let mut rx = self.status.subscribe();
        let deadline = tokio::time::Instant::now() + self.remote.connect_timeout;
        let mut connecting = 1;
        loop {
            let status = rx.borrow_and_update().clone();
            match status {
                Status::Ready => {
                    let client = self.client.lock().expect("client lock").clone();
                    if let Some(c) = client.filter(|c| !c.is_closed()) {
                        return Ok(c);
                    }
                }
                Status::Down {
                    reason,
                    attempt,
                    retry_at,
                } => {
                    let wait = retry_at.saturating_duration_since(Instant::now());
                    return Err(format!(
                        "{reason}; reconnecting (attempt {}, next in {})",
                        attempt + 1,
                        crate::middleware::human(wait)
                    ));
                }
                Status::Connecting { attempt } => connecting = attempt,
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return Err(format!(
                    "no connection yet (still connecting, attempt {connecting})"
                ));
            }
        }
    }

    /// The message of a call that found the remote unreachable.
    pub(crate) fn unavailable(&self, why: &str) -> String {
        format!("Upstream `{}` is unavailable: {why}", self.label)
    }

    fn parent(&self) -> Option<Arc<ServerShared>> {
        self.parent.get()?.upgrade()
    }

    fn names(&self) -> Option<Namespace> {
        let parent = self.parent()?;
        Some(parent.mounts.get(self.index)?.names.clone())
    }

    fn transport(&self) -> Transport {
        match &self.remote.target {
            Target::Stdio { program, args, env } => {
                Transport::stdio_with_env(program.clone(), args.clone(), env.clone())
            }
            Target::Http { url, headers } => {
                Transport::http_with_headers(url.clone(), headers.clone())
            }
        }
    }

    async fn connect(&self) -> std::result::Result<Client, ClientError> {
        let weak = self.me.clone();
        let on_note = weak.clone();
        Client::builder()
            .name("mcpserve-proxy", env!("CARGO_PKG_VERSION"))
            .capabilities(json!({
                "sampling": {},
                "elicitation": { "form": {}, "url": {} },
                "roots": { "listChanged": false },
            }))
            .era(self.remote.era)
            .connect_timeout(self.remote.connect_timeout)
            .request_timeout(None)
            .on_request(move |req| {
                let label = weak.upgrade().map(|u| u.label.clone());
                async move {
                    // A request outside any call (or, over stdio, while several calls are
                    // in flight): nobody to ask.
                    Err(crate::protocol::ErrorObject {
                        code: crate::protocol::code::INVALID_REQUEST,
                        message: format!(
                            "`{}` cannot be answered: the proxy{} cannot tell which of its clients it is for",
                            req.method,
                            label.map(|l| format!(" of `{l}`")).unwrap_or_default()
                        ),
                        data: None,
                    })
                }
            })
            .on_notification(move |n| {
                if let Some(upstream) = on_note.upgrade() {
                    upstream.notified(n);
                }
            })
            .connect(self.transport())
            .await
    }

    /// Closes the connection (a stdio child gets end of file on its input, then is
    /// killed if it has not exited after a grace period) and stops reconnecting; returns
    /// once that is done.
    pub(crate) async fn shutdown(&self) {
        self.stop.cancel();
        let mut stopped = self.stopped.subscribe();
        let _ = stopped.wait_for(|s| *s).await;
    }

    /// Keeps the connection up until [`shutdown`](Self::shutdown), then closes it.
    async fn supervise(self: Arc<Self>) {
        struct Stopped<'a>(&'a watch::Sender<bool>);
        impl Drop for Stopped<'_> {
            fn drop(&mut self) {
                self.0.send_replace(true);
            }
        }
        let _stopped = Stopped(&self.stopped);
        let stop = self.stop.clone();
        tokio::select! {
            // A connection half made is dropped: its child is killed (`kill_on_drop`).
            () = self.clone().keep_connected() => {}
            () = stop.cancelled() => {}
        }
        let client = self.client.lock().expect("client lock").take();
        if let Some(client) = client {
            client.close().await;
        }
    }

    /// Keeps a connection up: connect, list, wait for it to close, back off, again.
    async fn keep_connected(self: Arc<Self>) {
        let mut attempt: u32 = 0;
        let mut backoff = Duration::from_millis(250);
        loop {
            if self.parent().is_none() {
                return;
            }
            attempt += 1;
            self.status.send_replace(Status::Connecting { attempt });
            match self.connect().await {
                Ok(client) => {
                    let first = self.capabilities.get().is_none();
                    let _ = self.capabilities.set(client.server_capabilities());
                    *self.client.lock().expect("client lock") = Some(client.clone());
                    self.sync(&client, !first).await;
                    self.after_connect(&client).await;
                    self.status.send_replace(Status::Ready);
                    let _ = self.settled.send_replace(true);
                    tracing::info!(remote = %self.label, era = ?client.era(), "connected to the remote server");
                    attempt = 0;
                    backoff = Duration::from_millis(250);
                    let listen = self.listen(&client);
                    loop {
                        tokio::select! {
                            _ = client.closed() => break,
                            _ = tokio::time::sleep(Duration::from_secs(5)) => {
                                if self.parent().is_none() {
                                    client.close().await;
                                    return;
                                }
                            }
                        }
                    }
                    if let Some(task) = listen {
                        task.abort();
                    }
                    let reason = client
                        .closed_reason()
                        .unwrap_or_else(|| "the connection closed".into());
                    tracing::warn!(remote = %self.label, %reason, "lost the remote server");
                    self.client.lock().expect("client lock").take();
                    self.status.send_replace(Status::Down {
                        reason,
                        attempt: 0,
                        retry_at: Instant::now(),
                    });
                }
                Err(e) => {
                    tracing::warn!(remote = %self.label, error = %e, attempt, "cannot reach the remote server");
                    self.status.send_replace(Status::Down {
                        reason: e.to_string(),
                        attempt,
                        retry_at: Instant::now() + backoff,
                    });
                    let _ = self.settled.send_replace(true);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(self.remote.max_backoff);
                }
            }
        }
    }

    /// Session-era remotes send their logs only when asked; subscriptions survive
    /// reconnections.
    async fn after_connect(&self, client: &Client) {
        if !client.speaks(Era::Session) {
            return;
        }
        let caps = client.server_capabilities();
        if caps.logging.is_some() {
            let _ = client
                .raw_request(
                    "logging/setLevel",
                    json!({ "level": "debug" }),
                    crate::client::RequestOptions::new().era(Era::Session),
                )
                .await;
        }
        let uris: Vec<String> = self
            .subscriptions
            .lock()
            .expect("subscriptions lock")
            .keys()
            .cloned()
            .collect();
        for uri in uris {
            self.send_subscription(client, &uri, true).await;
        }
    }

    /// A 2026-only remote announces changes on a `subscriptions/listen` stream.
    fn listen(self: &Arc<Self>, client: &Client) -> Option<tokio::task::JoinHandle<()>> {
        if client.speaks(Era::Session) {
            return None; // its session delivers them
        }
        let caps = client.server_capabilities();
        let listed = |c: Option<bool>| c == Some(true);
        let filter = json!({
            "toolsListChanged": listed(caps.tools.as_ref().and_then(|t| t.list_changed)),
            "promptsListChanged": listed(caps.prompts.as_ref().and_then(|t| t.list_changed)),
            "resourcesListChanged": listed(caps.resources.as_ref().and_then(|t| t.list_changed)),
        });
        let (me, client) = (self.clone(), client.clone());
        Some(tokio::spawn(async move {
            let Ok(mut exchange) = client
                .start(
                    "subscriptions/listen",
                    json!({ "notifications": filter }),
                    crate::client::RequestOptions::new().era(Era::Sessionless),
                )
                .await
            else {
                return;
            };
            loop {
                match exchange.next().await {
                    crate::client::Incoming::Notification { method, params } => {
                        me.notified(ServerNotification { method, params })
                    }
                    crate::client::Incoming::Request { .. }
                    | crate::client::Incoming::Interrupted => {}
                    _ => return,
                }
            }
        }))
    }

    /// A notification of the remote's that belongs to no call.
    fn notified(self: &Arc<Self>, n: ServerNotification) {
        let change = match n.method.as_str() {
            "notifications/tools/list_changed" => Change::ToolsListChanged,
            "notifications/prompts/list_changed" => Change::PromptsListChanged,
            "notifications/resources/list_changed" => Change::ResourcesListChanged,
            "notifications/resources/updated" => {
                let Some(uri) = n.params.get("uri").and_then(Value::as_str) else {
                    return;
                };
                let (Some(parent), Some(names)) = (self.parent(), self.names()) else {
                    return;
                };
                if let Some(uri) = names.uri(uri) {
                    parent.hub.announce(
                        Change::ResourceUpdated(uri),
                        parent.config.list_changed_debounce,
                    );
                }
                return;
            }
            "notifications/message" => {
                tracing::info!(remote = %self.label, message = %n.params, "log message of the remote server");
                return;
            }
            _ => return,
        };
        let me = self.clone();
        tokio::spawn(async move {
            let client = me.client.lock().expect("client lock").clone();
            let Some(client) = client else { return };
            me.resync(&client, &change).await;
            if let Some(parent) = me.parent() {
                parent
                    .hub
                    .announce(change, parent.config.list_changed_debounce);
            }
        });
    }

    /// Reads every list of the remote into the mounting server.
    async fn sync(&self, client: &Client, announce: bool) {
        for change in [
            Change::ToolsListChanged,
            Change::PromptsListChanged,
            Change::ResourcesListChanged,
        ] {
            self.resync(client, &change).await;
            if announce {
                if let Some(parent) = self.parent() {
                    parent
                        .hub
                        .announce(change, parent.config.list_changed_debounce);
                }
            }
        }
    }

    async fn resync(&self, client: &Client, change: &Change) {
        let (Some(parent), Some(names)) = (self.parent(), self.names()) else {
            return;
        };
        let caps = client.server_capabilities();
        let outcome: Result<()> = match change {
            Change::ToolsListChanged if caps.tools.is_some() => match client.list_tools().await {
                Ok(tools) => {
                    let entries = self.tool_entries(&parent, &names, tools);
                    parent.set_mounted_tools(self.index, entries, false)
                }
                Err(e) => Err(Error::internal(e.to_string())),
            },
            Change::PromptsListChanged if caps.prompts.is_some() => {
                match client.list_prompts().await {
                    Ok(prompts) => {
                        let entries = prompts
                            .into_iter()
                            .map(|p| self.prompt_entry(&names, p))
                            .collect();
                        parent.set_mounted_prompts(self.index, entries, false)
                    }
                    Err(e) => Err(Error::internal(e.to_string())),
                }
            }
            Change::ResourcesListChanged if caps.resources.is_some() => {
                match (
                    client.list_resources().await,
                    client.list_resource_templates().await,
                ) {
                    (Ok(resources), Ok(templates)) => {
                        let mounted = self.resource_entries(&names, resources, templates);
                        parent
                            .resources
                            .set_mounted(self.index, mounted, false)
                            .map(drop)
                    }
                    (Err(e), _) | (_, Err(e)) => Err(Error::internal(e.to_string())),
                }
            }
            _ => Ok(()),
        };
        if let Err(e) = outcome {
            tracing::warn!(remote = %self.label, error = %e, "could not read a list of the remote server");
        }
    }

    fn tool_entries(
        &self,
        parent: &Arc<ServerShared>,
        names: &Namespace,
        tools: Vec<Tool>,
    ) -> Vec<ToolEntry> {
        let mut out = Vec::with_capacity(tools.len());
        for remote_tool in tools {
            let remote_name: Arc<str> = remote_tool.name.as_str().into();
            let mut tool = remote_tool;
            tool.name = names.name(&tool.name);
            let support = tool
                .execution
                .as_ref()
                .and_then(|e| e.task_support)
                .unwrap_or_default();
            let handler = Handler::Forward(Arc::new(RemoteTool {
                upstream: self.me.clone(),
                name: remote_name,
                support,
            }));
            match ToolEntry::verbatim(tool, handler) {
                Ok(mut entry) => {
                    entry.mount = Some(self.index);
                    entry.via = Some(format!(" (remote `{}`)", self.label).into());
                    out.push(entry.layered(&parent.layers));
                }
                Err(e) => {
                    tracing::warn!(remote = %self.label, error = %e, "a remote tool is left out")
                }
            }
        }
        out
    }

    async fn call_tool(
        &self,
        remote_name: &str,
        ctx: &Context,
        args: Option<&RawValue>,
        as_task: bool,
    ) -> Result<Forwarded> {
        // `"name":"add","arguments":{..}`: the arguments as the caller sent them.
        let mut members =
            String::with_capacity(24 + remote_name.len() + args.map_or(0, |a| a.get().len()));
        members.push_str("\"name\":");
        crate::client::push_json_str(&mut members, remote_name);
        if let Some(args) = args {
            members.push_str(",\"arguments\":");
            members.push_str(args.get());
        }
        let forwarded = Call {
            method: "tools/call",
            members,
            name: Some(remote_name),
            arguments: args,
            as_task: false,
        };
        let answer = if as_task {
            // Boxed: following a remote task (its polls, input rounds and cancellation)
            // added ~0.65 KiB to every proxied call's future, which was 3.8 KiB, past the
            // sizes glibc's thread cache serves (each call took `malloc`'s slow path).
            Box::pin(forward_as_task(self, ctx, forwarded)).await
        } else {
            forward(self, ctx, forwarded).await
        };
        match answer {
            // Asked and answered in the same era: the remote's bytes are the answer (a
            // 2026 result keeps its own `resultType`).
            Ok(answer) if answer.era == ctx.era() && answer.raw.get().starts_with('{') => {
                let typed = match answer.result_type {
                    ResultType::Absent => false,
                    ResultType::Complete => true,
                    _ => return self.typed(&answer.raw),
                };
                Ok(Forwarded::Raw {
                    body: answer.raw,
                    typed,
                })
            }
            Ok(answer) => self.typed(&answer.raw),
            // Unreachable remotes are the model's business: it may retry later.
            Err(Failure::Unavailable(why)) => Ok(Forwarded::Result(CallToolResult::error(
                self.unavailable(&why),
            ))),
            Err(other) => Err(other.into_error(self, "tools/call", None)),
        }
    }

    /// A result translated between eras (or of an unknown `resultType`): parsed, then
    /// encoded as the caller's era wants.
    fn typed(&self, raw: &RawValue) -> Result<Forwarded> {
        serde_json::from_str::<CallToolResult>(raw.get())
            .map(Forwarded::Result)
            .map_err(|e| {
                Error::tool(format!(
                    "Upstream `{}` sent an invalid result: {e}",
                    self.label
                ))
            })
    }

    fn prompt_entry(&self, names: &Namespace, prompt: crate::protocol::Prompt) -> Arc<PromptEntry> {
        let remote_name: Arc<str> = prompt.name.as_str().into();
        let mut listed = prompt;
        listed.name = names.name(&listed.name);
        let me = self.me.clone();
        let get_name = remote_name.clone();
        Arc::new(PromptEntry {
            prompt: listed,
            get: crate::server::Getter::Dynamic(Arc::new(
                move |call: crate::prompt::PromptCall| {
                    let me = me.clone();
                    let name = get_name.clone();
                    Box::pin(async move {
                        let up = me
                            .upgrade()
                            .ok_or_else(|| Error::internal("the proxy is shutting down"))?;
                        let mut members = member("name", &*name);
                        if !call.args.is_empty() {
                            members.push(',');
                            members.push_str(&member("arguments", &call.args));
                        }
                        let forwarded = Call {
                            method: "prompts/get",
                            members,
                            name: Some(&name),
                            arguments: None,
                            as_task: false,
                        };
                        let raw = forward(&up, &call.ctx, forwarded)
                            .await
                            .map_err(|f| f.into_error(&up, "prompts/get", None))?
                            .raw;
                        serde_json::from_str::<GetPromptResult>(raw.get()).map_err(|e| {
                            Error::internal(format!(
                                "Upstream `{}` sent an invalid prompt: {e}",
                                up.label
                            ))
                        })
                    })
                },
            )),
            arguments: Vec::new(),
            location: None,
            via: Some(format!(" (remote `{}`)", self.label).into()),
            home: None,
            complete: Some(self.completer(json!({ "type": "ref/prompt", "name": &*remote_name }))),
            scopes: Default::default(),
        })
    }

    /// Forwards `completion/complete` with the remote's own `ref`.
    fn completer(&self, reference: Value) -> crate::server::ForwardComplete {
        let me = self.me.clone();
        Arc::new(move |ctx, mut params: Value| {
            let me = me.clone();
            let reference = reference.clone();
            Box::pin(async move {
                let up = me
                    .upgrade()
                    .ok_or_else(|| Error::internal("the proxy is shutting down"))?;
                params["ref"] = reference;
                let Value::Object(mut params) = params else {
                    return Err(Error::invalid_params("Invalid params"));
                };
                params.remove("_meta");
                let members: Vec<String> = params.iter().map(|(k, v)| member(k, v)).collect();
                let forwarded = Call {
                    method: "completion/complete",
                    members: members.join(","),
                    name: None,
                    arguments: None,
                    as_task: false,
                };
                let raw = forward(&up, &ctx, forwarded)
                    .await
                    .map_err(|f| f.into_error(&up, "completion/complete", None))?
                    .raw;
                #[derive(serde::Deserialize)]
                struct Result {
                    completion: Completion,
                }
                serde_json::from_str::<Result>(raw.get())
                    .map(|r| r.completion)
                    .map_err(|e| {
                        Error::internal(format!(
                            "Upstream `{}` sent an invalid completion: {e}",
                            up.label
                        ))
                    })
            })
        })
    }

    fn reader(&self, names: &Namespace) -> crate::server::DynReadFn {
        let me = self.me.clone();
        let names = names.clone();
        Arc::new(move |req: crate::resource::ResourceRequest| {
            let me = me.clone();
            let names = names.clone();
            Box::pin(async move {
                let up = me
                    .upgrade()
                    .ok_or_else(|| Error::internal("the proxy is shutting down"))?;
                let uri = names
                    .unprefix_uri(&req.uri)
                    .unwrap_or_else(|| req.uri.to_string());
                let forwarded = Call {
                    method: "resources/read",
                    members: member("uri", &uri),
                    name: Some(&uri),
                    arguments: None,
                    as_task: false,
                };
                let raw = forward(&up, &req.ctx, forwarded)
                    .await
                    .map_err(|f| f.into_error(&up, "resources/read", Some(&uri)))?
                    .raw;
                let result: ReadResourceResult = serde_json::from_str(raw.get()).map_err(|e| {
                    Error::internal(format!(
                        "Upstream `{}` sent invalid contents: {e}",
                        up.label
                    ))
                })?;
                Ok(crate::server::prefix_contents(result, &names))
            })
        })
    }

    fn subscriber(&self, names: &Namespace) -> crate::server::SubscribeHook {
        let me = self.me.clone();
        let names = names.clone();
        Arc::new(move |uri: &str, on: bool| {
            if let (Some(up), Some(uri)) = (me.upgrade(), names.unprefix_uri(uri)) {
                up.subscribe(uri, on);
            }
        })
    }

    fn resource_entries(
        &self,
        names: &Namespace,
        resources: Vec<Resource>,
        templates: Vec<crate::protocol::ResourceTemplate>,
    ) -> MountedResources {
        let via: Arc<str> = format!(" (remote `{}`)", self.label).into();
        let mut out = MountedResources::default();
        for mut resource in resources {
            let Some(uri) = names.uri(&resource.uri) else {
                continue;
            };
            resource.uri = uri;
            out.statics.push(Arc::new(ResourceEntry {
                resource,
                reader: Reader::Dynamic(self.reader(names)),
                location: None,
                via: Some(via.clone()),
                subscribe: Some(self.subscriber(names)),
                scopes: Default::default(),
                listed: true,
                // The remote's reads carry their own `_meta`.
                content_meta: None,
            }));
        }
        for mut template in templates {
            let remote_template = template.uri_template.clone();
            let Some(listed) = names.uri(&template.uri_template) else {
                continue;
            };
            let parsed = match UriTemplate::parse(&listed) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(remote = %self.label, template = %listed, error = %e, "a remote resource template is left out");
                    continue;
                }
            };
            template.uri_template = listed;
            out.templates.push(Arc::new(TemplateEntry {
                template,
                path_like: Vec::new(),
                parsed,
                read: Reader::Dynamic(self.reader(names)),
                list: None,
                variables: Vec::new(),
                location: None,
                via: Some(via.clone()),
                home: None,
                complete: Some(
                    self.completer(json!({ "type": "ref/resource", "uri": remote_template })),
                ),
                subscribe: Some(self.subscriber(names)),
                scopes: Default::default(),
            }));
        }
        out
    }

    /// Follows a resource remotely for this server's clients (counted per URI).
    fn subscribe(&self, uri: String, on: bool) {
        let first_or_last = {
            let mut subs = self.subscriptions.lock().expect("subscriptions lock");
            if on {
                let n = subs.entry(uri.clone()).or_insert(0);
                *n += 1;
                *n == 1
            } else {
                match subs.get_mut(&uri) {
                    Some(n) if *n > 1 => {
                        *n -= 1;
                        false
                    }
                    Some(_) => {
                        subs.remove(&uri);
                        true
                    }
                    None => false,
                }
            }
        };
        let client = self.client.lock().expect("client lock").clone();
        if let (true, Some(client), Some(me)) = (first_or_last, client, self.me.upgrade()) {
            tokio::spawn(async move { me.send_subscription(&client, &uri, on).await });
        }
    }

    async fn send_subscription(&self, client: &Client, uri: &str, on: bool) {
        let subscribable = client
            .server_capabilities()
            .resources
            .is_some_and(|r| r.subscribe == Some(true));
        if !client.speaks(Era::Session) || !subscribable {
            return;
        }
        let method = if on {
            "resources/subscribe"
        } else {
            "resources/unsubscribe"
        };
        if let Err(e) = client
            .raw_request(
                method,
                json!({ "uri": uri }),
                crate::client::RequestOptions::new().era(Era::Session),
            )
            .await
        {
            tracing::debug!(remote = %self.label, %uri, error = %e, "remote subscription failed");
        }
    }
}

impl ServerShared {
    /// Closes the connections to remote mounts, this server's and its mounted servers',
    /// all at once: a stdio child gets end of file on its input and is killed if it has
    /// not exited after a grace period. Serving calls it when it ends.
    pub(crate) async fn close_remote_mounts(&self) {
        let mut closing = tokio::task::JoinSet::new();
        self.each_remote(&mut |up| {
            closing.spawn(async move { up.shutdown().await });
        });
        while closing.join_next().await.is_some() {}
    }

    fn each_remote(&self, f: &mut dyn FnMut(Arc<Upstream>)) {
        for slot in &self.mounts {
            match &slot.kind {
                MountKind::Remote(up) => f(up.clone()),
                MountKind::Local(inner) => inner.each_remote(f),
            }
        }
    }

    /// Waits for every remote mount's first connection attempt. Every request to a
    /// proxy asks: once they all settled, the answer costs no subscription nor timer.
    pub(crate) async fn remotes_ready(&self) {
        if self.remotes_settled() {
            return;
        }
        // Boxed: the waits' state would otherwise be part of every request's future.
        Box::pin(self.wait_for_remotes()).await
    }

    fn remotes_settled(&self) -> bool {
        self.mounts.iter().all(|slot| match &slot.kind {
            MountKind::Remote(up) => up.is_settled(),
            MountKind::Local(_) => true,
        })
    }

    async fn wait_for_remotes(&self) {
        for slot in &self.mounts {
            if let MountKind::Remote(up) = &slot.kind {
                up.settled().await;
            }
        }
    }

    /// Capabilities remote mounts add, once they are known.
    pub(crate) fn remote_offers(&self) -> (bool, bool, bool) {
        let mut offers = (false, false, false);
        for slot in &self.mounts {
            if let MountKind::Remote(up) = &slot.kind {
                if let Some(c) = up.capabilities() {
                    offers.0 |= c.resources.is_some();
                    offers.1 |= c.prompts.is_some();
                    offers.2 |= c.completions.is_some();
                }
            }
        }
        offers
    }
}
