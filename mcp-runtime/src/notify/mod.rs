//! The notification hub: changes announced from outside handlers (tool, prompt and
//! resource lists changed; a resource updated) reach session-era clients on their
//! connections and 2026-era clients on their `subscriptions/listen` streams.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::dispatch::{Connection, Outbound};
use crate::protocol::jsonrpc;
use crate::protocol::meta::SUBSCRIPTION_ID;
use crate::protocol::types::ServerCapabilities;
use crate::protocol::RequestId;

mod listen;
pub(crate) use listen::listen;

/// Something clients may want to hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `notifications/tools/list_changed`.
    ToolsListChanged,
    /// `notifications/prompts/list_changed`.
    PromptsListChanged,
    /// `notifications/resources/list_changed`.
    ResourcesListChanged,
    /// `notifications/resources/updated` for this URI.
    ResourceUpdated(String),
}

impl Change {
    /// The change a notification method announces (`uri` for resource updates).
    #[cfg(feature = "http")]
    pub(crate) fn from_method(method: &str, uri: Option<&str>) -> Option<Change> {
        Some(match (method, uri) {
            ("notifications/tools/list_changed", _) => Change::ToolsListChanged,
            ("notifications/prompts/list_changed", _) => Change::PromptsListChanged,
            ("notifications/resources/list_changed", _) => Change::ResourcesListChanged,
            ("notifications/resources/updated", Some(uri)) => Change::ResourceUpdated(uri.into()),
            _ => return None,
        })
    }

    fn method(&self) -> &'static str {
        match self {
            Change::ToolsListChanged => "notifications/tools/list_changed",
            Change::PromptsListChanged => "notifications/prompts/list_changed",
            Change::ResourcesListChanged => "notifications/resources/list_changed",
            Change::ResourceUpdated(_) => "notifications/resources/updated",
        }
    }

    fn bit(&self) -> u8 {
        match self {
            Change::ToolsListChanged => 1,
            Change::PromptsListChanged => 2,
            Change::ResourcesListChanged => 4,
            Change::ResourceUpdated(_) => 0,
        }
    }
}

/// The `notifications` filter of `subscriptions/listen`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Filter {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) tools_list_changed: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) prompts_list_changed: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) resources_list_changed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) resource_subscriptions: Option<Vec<String>>,
}

impl Filter {
    /// The subset the server can honour, given what it declares.
    pub(crate) fn honoured(&self, caps: &ServerCapabilities) -> Filter {
        let listed = |c: Option<bool>| c == Some(true);
        let resources = caps.resources.as_ref();
        Filter {
            tools_list_changed: self.tools_list_changed
                && listed(caps.tools.as_ref().and_then(|t| t.list_changed)),
            prompts_list_changed: self.prompts_list_changed
                && listed(caps.prompts.as_ref().and_then(|t| t.list_changed)),
            resources_list_changed: self.resources_list_changed
                && listed(resources.and_then(|r| r.list_changed)),
            resource_subscriptions: self
                .resource_subscriptions
                .clone()
                .filter(|_| listed(resources.and_then(|r| r.subscribe))),
        }
    }

    fn wants(&self, change: &Change) -> bool {
        match change {
            Change::ToolsListChanged => self.tools_list_changed,
            Change::PromptsListChanged => self.prompts_list_changed,
            Change::ResourcesListChanged => self.resources_list_changed,
            Change::ResourceUpdated(uri) => self
                .resource_subscriptions
                .as_ref()
                .is_some_and(|uris| uris.iter().any(|u| u == uri)),
        }
    }
}

struct Listener {
    key: u64,
    id: RequestId,
    filter: Filter,
    out: Outbound,
    cancel: CancellationToken,
}

/// Where announced changes go. One per server.
pub(crate) struct Hub {
    connections: Mutex<Vec<Weak<Connection>>>,
    listeners: Mutex<Vec<Listener>>,
    next_key: AtomicU64,
    closing: Mutex<CancellationToken>,
    queued: Arc<AtomicU8>,
    /// Other instances of this server (shared stores): announcements reach their
    /// subscribers too.
    #[cfg(feature = "http")]
    pub(crate) cluster: std::sync::OnceLock<Arc<dyn crate::stores::Cluster>>,
}

impl Hub {
    pub(crate) fn new() -> Self {
        Hub {
            connections: Mutex::default(),
            listeners: Mutex::default(),
            next_key: AtomicU64::new(0),
            closing: Mutex::new(CancellationToken::new()),
            queued: Arc::default(),
            #[cfg(feature = "http")]
            cluster: std::sync::OnceLock::new(),
        }
    }

    /// Remembers a connection whose session was just initialized.
    pub(crate) fn add_connection(&self, conn: &Arc<Connection>) {
        let mut conns = self.connections.lock().expect("hub lock");
        conns.retain(|c| c.strong_count() > 0);
        conns.push(Arc::downgrade(conn));
    }

    /// Live session-era connections.
    pub(crate) fn connections(&self) -> Vec<Arc<Connection>> {
        let mut conns = self.connections.lock().expect("hub lock");
        conns.retain(|c| c.strong_count() > 0);
        conns.iter().filter_map(Weak::upgrade).collect()
    }

    /// Registers a `subscriptions/listen` stream; dropping the guard removes it.
    pub(crate) fn listen(
        self: &Arc<Self>,
        id: RequestId,
        filter: Filter,
        out: Outbound,
        cancel: CancellationToken,
    ) -> ListenGuard {
        let key = self.next_key.fetch_add(1, Ordering::Relaxed);
        self.listeners.lock().expect("hub lock").push(Listener {
            key,
            id,
            filter,
            out,
            cancel,
        });
        ListenGuard {
            hub: Arc::downgrade(self),
            key,
        }
    }

    /// Fires when the server ends every subscription gracefully.
    pub(crate) fn closing(&self) -> CancellationToken {
        self.closing.lock().expect("hub lock").clone()
    }

    /// Ends every subscription with a final result (e.g. before shutdown).
    pub(crate) fn close_subscriptions(&self) {
        let old = std::mem::take(&mut *self.closing.lock().expect("hub lock"));
        old.cancel();
    }

    /// Ends, without a response, the subscriptions of a stream whose peer went away.
    pub(crate) fn drop_subscriptions_on(&self, out: &Outbound) {
        for l in self.listeners.lock().expect("hub lock").iter() {
            if l.out.same_channel(out) {
                l.cancel.cancel();
            }
        }
    }

    /// Announces a list change after `debounce`, merging repeats in that window; resource
    /// updates go out at once.
    pub(crate) fn announce(self: &Arc<Self>, change: Change, debounce: Duration) {
        let bit = change.bit();
        let runtime = tokio::runtime::Handle::try_current();
        let Ok(runtime) = runtime.ok().filter(|_| bit != 0).ok_or(()) else {
            self.publish(&change);
            return;
        };
        if self.queued.fetch_or(bit, Ordering::AcqRel) & bit != 0 {
            return;
        }
        let hub = Arc::downgrade(self);
        runtime.spawn(async move {
            tokio::time::sleep(debounce).await;
            if let Some(hub) = hub.upgrade() {
                hub.queued.fetch_and(!bit, Ordering::AcqRel);
                hub.publish(&change);
            }
        });
    }

    /// Delivers a change now, here and (shared stores) on every other instance.
    pub(crate) fn publish(&self, change: &Change) {
        #[cfg(feature = "http")]
        if let Some(cluster) = self.cluster.get() {
            cluster.publish(crate::stores::ClusterMessage::Announce {
                method: change.method().to_owned(),
                uri: match change {
                    Change::ResourceUpdated(uri) => Some(uri.clone()),
                    _ => None,
                },
            });
        }
        self.publish_here(change);
    }

    /// Delivers a change to this instance's clients only.
    pub(crate) fn publish_here(&self, change: &Change) {
        let method = change.method();
        let uri = match change {
            Change::ResourceUpdated(uri) => Some(uri.as_str()),
            _ => None,
        };
        let plain = match uri {
            Some(uri) => json!({ "uri": uri }),
            None => json!({}),
        };
        // One buffer for every session: each queue gets a reference, not a copy.
        let plain = bytes::Bytes::from(jsonrpc::notification(method, &plain));
        for conn in self.connections() {
            let Some(session) = conn.session().filter(|s| s.is_initialized()) else {
                continue;
            };
            if uri.is_some_and(|u| !session.is_subscribed(u)) {
                continue;
            }
            if !conn.out.try_send(plain.clone()) {
                tracing::warn!(method, "notification dropped: the client is not reading");
            }
        }
        for l in self.listeners.lock().expect("hub lock").iter() {
            if !l.filter.wants(change) {
                continue;
            }
            let mut params = json!({ "_meta": { SUBSCRIPTION_ID: l.id } });
            if let Some(uri) = uri {
                params["uri"] = json!(uri);
            }
            if !l.out.try_send(jsonrpc::notification(method, &params)) {
                tracing::warn!(method, "notification dropped: the client is not reading");
            }
        }
    }
}

/// Removes a listener when its request ends.
pub(crate) struct ListenGuard {
    hub: Weak<Hub>,
    key: u64,
}

impl Drop for ListenGuard {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.listeners
                .lock()
                .expect("hub lock")
                .retain(|l| l.key != self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::types::{ListChanged, ResourcesCapability};

    fn initialized_connection() -> (Arc<Connection>, tokio::sync::mpsc::Receiver<bytes::Bytes>) {
        let (out, rx) = Outbound::channel(4);
        let conn = Connection::new(out);
        let session = crate::dispatch::Session::new(
            crate::protocol::ProtocolVersion::LATEST_SESSION,
            Arc::new(serde_json::json!({})),
            Arc::default(),
        );
        session.mark_initialized();
        assert!(conn.session.set(Arc::new(session)).is_ok());
        (conn, rx)
    }

    #[test]
    fn a_change_fans_out_as_one_shared_buffer() {
        let hub = Hub::new();
        let (a, mut rx_a) = initialized_connection();
        let (b, mut rx_b) = initialized_connection();
        hub.add_connection(&a);
        hub.add_connection(&b);
        hub.publish(&Change::ToolsListChanged);
        let (got_a, got_b) = (rx_a.try_recv().unwrap(), rx_b.try_recv().unwrap());
        assert_eq!(
            &got_a[..],
            br#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{}}"#
        );
        // Every session's queue holds the same bytes, not a copy.
        assert_eq!(got_a.as_ptr(), got_b.as_ptr());
    }

    #[test]
    fn honours_only_what_the_server_declares() {
        let caps = ServerCapabilities {
            tools: Some(ListChanged {
                list_changed: Some(true),
            }),
            resources: Some(ResourcesCapability {
                subscribe: Some(false),
                list_changed: Some(true),
            }),
            ..Default::default()
        };
        let asked = Filter {
            tools_list_changed: true,
            prompts_list_changed: true,
            resources_list_changed: true,
            resource_subscriptions: Some(vec!["file:///a".into()]),
        };
        let honoured = asked.honoured(&caps);
        assert_eq!(
            serde_json::to_value(&honoured).unwrap(),
            json!({ "toolsListChanged": true, "resourcesListChanged": true })
        );
        assert!(honoured.wants(&Change::ToolsListChanged));
        assert!(!honoured.wants(&Change::PromptsListChanged));
        assert!(!honoured.wants(&Change::ResourceUpdated("file:///a".into())));
    }
}
