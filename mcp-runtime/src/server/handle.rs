//! Run-time handles on a built server: change resources, announce changes.

use std::sync::Arc;

use super::{ResourceDef, ServerShared};
use crate::error::Result;
use crate::notify::{Notice, NotifyHub};

/// Adds and removes resources while the server runs and announces changes to clients.
/// Cheap to clone, `Send + Sync`; obtained from [`Server::resources`](super::Server::resources).
///
/// Every change rebuilds the resource lists once and sends
/// `notifications/resources/list_changed` to every listener.
#[derive(Clone)]
pub struct Resources {
    pub(super) shared: Arc<ServerShared>,
}

impl Resources {
    /// Adds a resource, replacing a run-time resource with the same URI. Fails for a
    /// template-like URI or one that a `#[resource]` already serves.
    pub fn add(&self, resource: ResourceDef) -> Result<()> {
        self.shared.resources.add(resource)?;
        self.shared.notify.publish(Notice::ResourcesListChanged);
        Ok(())
    }

    /// Removes a resource added at run time; false when there was none with that URI.
    pub fn remove(&self, uri: &str) -> bool {
        let removed = self.shared.resources.remove(uri);
        if removed {
            self.shared.notify.publish(Notice::ResourcesListChanged);
        }
        removed
    }

    /// Sends `notifications/resources/updated` to the clients subscribed to `uri`;
    /// returns how many listeners it reached.
    pub fn notify_updated(&self, uri: impl Into<String>) -> usize {
        self.shared
            .notify
            .publish(Notice::ResourceUpdated(uri.into()))
    }

    /// Sends `notifications/resources/list_changed` (e.g. after files appeared that a
    /// template's list function reports).
    pub fn notify_list_changed(&self) -> usize {
        self.shared.notify.publish(Notice::ResourcesListChanged)
    }

    /// The notification hub, for transports that stream notifications
    /// (`subscriptions/listen`).
    pub fn hub(&self) -> &NotifyHub {
        &self.shared.notify
    }
}
