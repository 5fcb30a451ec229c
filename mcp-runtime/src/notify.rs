//! Server-initiated change notifications, fanned out to whoever listens.
//!
//! [`NotifyHub`] is the one place changes are announced (`resources/updated`, the three
//! `list_changed`s). Listeners register an [`Interest`] and get a bounded receiver of
//! [`Notice`]s:
//! * session era: every initialized session is registered automatically; its interest
//!   covers all list changes plus the URIs of its `resources/subscribe` calls, and a
//!   small task forwards its notices to the connection's unsolicited stream;
//! * 2026-07-28: a `subscriptions/listen` stream builds an `Interest` from its request
//!   (`toolsListChanged`, `resourceSubscriptions`, ...), calls [`NotifyHub::subscribe`],
//!   and writes each notice with [`Notice::to_message`] plus its subscription id in
//!   `_meta` — that stream is built elsewhere; this hub is its whole interface.
//!
//! Publishing never waits: a listener whose queue is full misses the notice (logged),
//! and listeners whose receiver is gone are dropped on the next publish.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::sync::mpsc;

use crate::protocol::jsonrpc;

/// A change worth telling clients about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// `notifications/resources/updated` for one URI.
    ResourceUpdated(String),
    /// `notifications/resources/list_changed`.
    ResourcesListChanged,
    /// `notifications/prompts/list_changed`.
    PromptsListChanged,
    /// `notifications/tools/list_changed`.
    ToolsListChanged,
}

impl Notice {
    /// The JSON-RPC method.
    pub fn method(&self) -> &'static str {
        match self {
            Notice::ResourceUpdated(_) => "notifications/resources/updated",
            Notice::ResourcesListChanged => "notifications/resources/list_changed",
            Notice::PromptsListChanged => "notifications/prompts/list_changed",
            Notice::ToolsListChanged => "notifications/tools/list_changed",
        }
    }

    /// The serialized notification; `meta` (e.g. a 2026 subscription id) goes in
    /// `params._meta`.
    pub fn to_message(&self, meta: Option<&serde_json::Map<String, serde_json::Value>>) -> Vec<u8> {
        let mut params = match self {
            Notice::ResourceUpdated(uri) => json!({ "uri": uri }),
            _ => json!({}),
        };
        if let Some(m) = meta {
            params["_meta"] = serde_json::Value::Object(m.clone());
        }
        jsonrpc::notification(self.method(), &params)
    }
}

/// What one listener wants to hear about. Shared, so subscriptions can change while the
/// listener runs (`resources/subscribe` in the session era).
#[derive(Debug, Default)]
pub struct Interest {
    tools: AtomicBool,
    prompts: AtomicBool,
    resources: AtomicBool,
    uris: Mutex<HashSet<String>>,
}

impl Interest {
    /// Interested in nothing yet.
    pub fn none() -> Self {
        Self::default()
    }

    /// Interested in every list change (what a session-era client gets).
    pub fn all_lists() -> Self {
        let i = Self::default();
        i.set_lists(true, true, true);
        i
    }

    /// Sets which `list_changed` notifications are wanted.
    pub fn set_lists(&self, tools: bool, prompts: bool, resources: bool) {
        self.tools.store(tools, Ordering::Relaxed);
        self.prompts.store(prompts, Ordering::Relaxed);
        self.resources.store(resources, Ordering::Relaxed);
    }

    /// Adds a resource URI; false when it was already there.
    pub fn subscribe(&self, uri: &str) -> bool {
        self.uris
            .lock()
            .expect("interest lock")
            .insert(uri.to_owned())
    }

    /// Removes a resource URI; false when it was not there.
    pub fn unsubscribe(&self, uri: &str) -> bool {
        self.uris.lock().expect("interest lock").remove(uri)
    }

    /// Whether `uri` is subscribed.
    pub fn is_subscribed(&self, uri: &str) -> bool {
        self.uris.lock().expect("interest lock").contains(uri)
    }

    /// Whether this listener wants `notice`.
    pub fn wants(&self, notice: &Notice) -> bool {
        match notice {
            Notice::ResourceUpdated(uri) => self.is_subscribed(uri),
            Notice::ResourcesListChanged => self.resources.load(Ordering::Relaxed),
            Notice::PromptsListChanged => self.prompts.load(Ordering::Relaxed),
            Notice::ToolsListChanged => self.tools.load(Ordering::Relaxed),
        }
    }
}

type Listener = (Arc<Interest>, mpsc::Sender<Notice>);

/// Fans notices out to listeners. Cheap to clone; clones share listeners.
#[derive(Clone, Default)]
pub struct NotifyHub {
    listeners: Arc<Mutex<Vec<Listener>>>,
}

/// Notices queued per listener before new ones are dropped.
const LISTENER_CAPACITY: usize = 256;

impl NotifyHub {
    /// Registers a listener; notices matching `interest` arrive on the receiver until it
    /// is dropped.
    pub fn subscribe(&self, interest: Arc<Interest>) -> mpsc::Receiver<Notice> {
        let (tx, rx) = mpsc::channel(LISTENER_CAPACITY);
        self.listeners
            .lock()
            .expect("hub lock")
            .push((interest, tx));
        rx
    }

    /// Sends `notice` to every interested listener; returns how many got it.
    pub fn publish(&self, notice: Notice) -> usize {
        let mut sent = 0;
        self.listeners
            .lock()
            .expect("hub lock")
            .retain(|(interest, tx)| {
                if tx.is_closed() {
                    return false;
                }
                if interest.wants(&notice) {
                    match tx.try_send(notice.clone()) {
                        Ok(()) => sent += 1,
                        Err(mpsc::error::TrySendError::Full(_)) => {
                            tracing::warn!(
                                method = notice.method(),
                                "listener queue full; notice dropped"
                            )
                        }
                        Err(mpsc::error::TrySendError::Closed(_)) => return false,
                    }
                }
                true
            });
        sent
    }

    /// Number of live listeners.
    pub fn listener_count(&self) -> usize {
        let mut l = self.listeners.lock().expect("hub lock");
        l.retain(|(_, tx)| !tx.is_closed());
        l.len()
    }

    /// Registers a session-era session: its notices are written to `out` until the
    /// session ends (`ended`) or the connection's writer goes away.
    pub(crate) fn attach_session(
        &self,
        interest: Arc<Interest>,
        out: crate::dispatch::Outbound,
        ended: tokio_util::sync::CancellationToken,
    ) {
        let mut rx = self.subscribe(interest);
        tokio::spawn(async move {
            loop {
                let notice = tokio::select! {
                    biased;
                    _ = ended.cancelled() => break,
                    n = rx.recv() => match n {
                        Some(n) => n,
                        None => break,
                    },
                };
                if !out.send(notice.to_message(None)).await {
                    break;
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn filters_by_interest_and_drops_closed_listeners() {
        let hub = NotifyHub::default();
        let lists = Arc::new(Interest::all_lists());
        let uris = Arc::new(Interest::none());
        uris.subscribe("a://1");
        let mut rl = hub.subscribe(lists);
        let mut ru = hub.subscribe(uris.clone());
        assert_eq!(hub.publish(Notice::ResourceUpdated("a://1".into())), 1);
        assert_eq!(hub.publish(Notice::ResourceUpdated("a://2".into())), 0);
        assert_eq!(hub.publish(Notice::PromptsListChanged), 1);
        assert_eq!(
            ru.recv().await,
            Some(Notice::ResourceUpdated("a://1".into()))
        );
        assert_eq!(rl.recv().await, Some(Notice::PromptsListChanged));
        uris.unsubscribe("a://1");
        assert_eq!(hub.publish(Notice::ResourceUpdated("a://1".into())), 0);
        drop(ru);
        assert_eq!(hub.listener_count(), 1);
    }
}
