//! Reaching clients from outside handlers: changing the tool set at run time, announcing
//! changes, pinging sessions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::{ServerShared, ToolCatalog, ToolDef, ToolEntry};
use crate::dispatch::{Connection, Session};
use crate::error::{Error, Result};
use crate::input::{round_trip, Root};
use crate::notify::Change;
use crate::protocol::types::Implementation;

/// A cloneable, `Send` handle on a running server: obtained from
/// [`Server::handle`](crate::Server::handle) or [`Context::server`](crate::Context::server).
///
/// ```
/// # fn demo(server: &mcp_runtime::Server) {
/// let handle = server.handle();
/// handle.disable_tool("admin_reset");      // clients are told the list changed
/// handle.resource_updated("file:///config.toml");
/// # }
/// ```
#[derive(Clone)]
pub struct ServerHandle {
    pub(crate) shared: Arc<ServerShared>,
}

/// Tools taken out of the catalog with `disable_tool`, kept for `enable_tool`.
#[derive(Default)]
pub(crate) struct Disabled(pub(crate) Mutex<HashMap<String, Arc<ToolEntry>>>);

impl ServerHandle {
    /// Adds a tool (or replaces the one with the same name) and announces the change.
    pub fn add_tool(&self, tool: ToolDef) -> Result<()> {
        let entry = Arc::new(tool.into_entry()?.layered(&self.shared.layers));
        if entry.task_support != crate::tasks::TaskSupport::Forbidden && self.shared.tasks.is_none()
        {
            return Err(Error::startup(format!(
                "tool `{}` can run as a task, but this server was built without tasks: enable them with `ServerBuilder::tasks`",
                entry.name
            )));
        }
        crate::apps::check_view(&entry, &self.shared.resources.load())?;
        self.edit(|entries, disabled| {
            disabled.remove(&*entry.name);
            entries.retain(|e| e.name != entry.name);
            entries.push(entry.clone());
            true
        })
    }

    /// Removes a tool; returns whether it existed (enabled or disabled).
    pub fn remove_tool(&self, name: &str) -> bool {
        let mut found = false;
        let _ = self.edit(|entries, disabled| {
            let before = entries.len();
            entries.retain(|e| &*e.name != name);
            found = before != entries.len() || disabled.remove(name).is_some();
            found
        });
        found
    }

    /// Hides a tool from listing and calls until [`enable_tool`](Self::enable_tool).
    pub fn disable_tool(&self, name: &str) -> bool {
        let mut found = false;
        let _ = self.edit(|entries, disabled| {
            if let Some(i) = entries.iter().position(|e| &*e.name == name) {
                disabled.insert(name.to_owned(), entries.remove(i));
                found = true;
            }
            found
        });
        found
    }

    /// Serves a disabled tool again.
    pub fn enable_tool(&self, name: &str) -> bool {
        let mut found = false;
        let _ = self.edit(|entries, disabled| {
            if let Some(entry) = disabled.remove(name) {
                entries.push(entry);
                found = true;
            }
            found
        });
        found
    }

    /// True when a tool of that name is served now.
    pub fn has_tool(&self, name: &str) -> bool {
        self.shared.tools.load().get(name).is_some()
    }

    /// Rebuilds the catalog under the lock and swaps it in; announces if `f` changed it.
    fn edit(
        &self,
        f: impl FnOnce(&mut Vec<Arc<ToolEntry>>, &mut HashMap<String, Arc<ToolEntry>>) -> bool,
    ) -> Result<()> {
        let mut disabled = self.shared.disabled.0.lock().expect("catalog lock");
        let mut entries: Vec<Arc<ToolEntry>> =
            self.shared.tools.load().entries().cloned().collect();
        if !f(&mut entries, &mut disabled) {
            return Ok(());
        }
        let catalog = ToolCatalog::from_shared(entries, self.shared.config.page_size)?;
        self.shared.tools.store(Arc::new(catalog));
        drop(disabled);
        self.tools_changed();
        Ok(())
    }

    /// Announces `notifications/tools/list_changed` (debounced).
    pub fn tools_changed(&self) {
        self.announce(Change::ToolsListChanged);
    }

    /// Announces `notifications/prompts/list_changed` (debounced).
    pub fn prompts_changed(&self) {
        self.announce(Change::PromptsListChanged);
    }

    /// Announces `notifications/resources/list_changed` (debounced).
    pub fn resources_changed(&self) {
        self.announce(Change::ResourcesListChanged);
    }

    /// Sends `notifications/resources/updated` to the clients subscribed to `uri`.
    pub fn resource_updated(&self, uri: impl Into<String>) {
        self.announce(Change::ResourceUpdated(uri.into()));
    }

    fn announce(&self, change: Change) {
        self.shared
            .hub
            .announce(change, self.shared.config.list_changed_debounce);
    }

    /// Ends every `subscriptions/listen` stream with a final result (before shutdown).
    pub fn close_subscriptions(&self) {
        self.shared.hub.close_subscriptions();
    }

    /// Stops accepting tasks, waits up to `grace` (default:
    /// [`TaskConfig::shutdown_grace`](crate::tasks::TaskConfig::shutdown_grace)) for
    /// running ones, then stops the rest and marks them `failed`. The HTTP transport's
    /// graceful shutdown and `serve_stdio` call it; call it from your own transport.
    pub async fn shutdown_tasks(&self, grace: Option<std::time::Duration>) {
        if let Some(tasks) = &self.shared.tasks {
            tasks
                .shutdown(grace.unwrap_or(tasks.config.shutdown_grace))
                .await;
        }
    }

    /// The connected session-era clients.
    pub fn peers(&self) -> Vec<Peer> {
        self.shared
            .hub
            .connections()
            .into_iter()
            .filter_map(|conn| Peer::new(conn, &self.shared))
            .collect()
    }
}

/// One connected session-era client, reachable outside any request.
#[derive(Clone)]
pub struct Peer {
    conn: Arc<Connection>,
    session: Arc<Session>,
    shared: Arc<ServerShared>,
}

impl Peer {
    pub(crate) fn new(conn: Arc<Connection>, shared: &Arc<ServerShared>) -> Option<Peer> {
        let session = conn.session()?.clone();
        Some(Peer {
            conn,
            session,
            shared: shared.clone(),
        })
    }

    /// The client's identity from `initialize`.
    pub fn client_info(&self) -> &Implementation {
        self.session.client_info()
    }

    /// Pings the client; fails after `ServerConfig::client_request_timeout` without an
    /// answer (a dead or stuck client).
    pub async fn ping(&self) -> Result<()> {
        self.request("ping", serde_json::json!({})).await.map(drop)
    }

    /// The client's roots (`roots/list`); a missing-capability error when it has none.
    pub async fn roots(&self) -> Result<Vec<Root>> {
        if self.session.client_capabilities.get("roots").is_none() {
            return Err(Error::missing_capability("roots"));
        }
        #[derive(serde::Deserialize)]
        struct ListRootsResult {
            roots: Vec<Root>,
        }
        let answer = self.request("roots/list", serde_json::json!({})).await?;
        serde_json::from_value::<ListRootsResult>(answer)
            .map(|r| r.roots)
            .map_err(|e| Error::tool(format!("The client sent an invalid roots list: {e}")))
    }

    async fn request(&self, method: &str, params: serde_json::Value) -> Result<serde_json::Value> {
        round_trip(
            &self.session,
            &self.conn.out,
            method,
            &params,
            self.shared.config.client_request_timeout,
            &CancellationToken::new(),
            None,
        )
        .await
    }

    pub(crate) fn keepalive(self, every: std::time::Duration) {
        let conn = Arc::downgrade(&self.conn);
        let (session, shared) = (self.session, self.shared);
        drop(self.conn);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(conn) = conn.upgrade() else { return };
                let peer = Peer {
                    conn,
                    session: session.clone(),
                    shared: shared.clone(),
                };
                if let Err(e) = peer.ping().await {
                    tracing::warn!(error = %e, "client failed a keepalive ping; cancelling its requests");
                    peer.conn.cancel_all();
                    return;
                }
            }
        });
    }
}
