//! Run-time handle on a server's resources: add and remove them, announce changes.

use std::sync::Arc;

use super::{ResourceDef, ServerShared};
use crate::error::Result;
use crate::notify::Change;

/// Adds and removes resources while the server runs and announces changes to clients.
/// Cheap to clone, `Send + Sync`; obtained from [`Server::resources`](super::Server::resources).
///
/// Every change rebuilds the resource lists once and announces
/// `notifications/resources/list_changed` (debounced) through the server's one
/// notification hub: to session-era clients and to 2026 `subscriptions/listen` streams.
#[derive(Clone)]
pub struct Resources {
    pub(super) shared: Arc<ServerShared>,
}

impl Resources {
    /// Adds a resource, replacing a run-time resource with the same URI. Fails for a
    /// template-like URI or one that a `#[resource]` already serves.
    pub fn add(&self, resource: ResourceDef) -> Result<()> {
        self.shared.resources.add(resource)?;
        self.announce(Change::ResourcesListChanged);
        Ok(())
    }

    /// Removes a resource added at run time; false when there was none with that URI.
    pub fn remove(&self, uri: &str) -> bool {
        let removed = self.shared.resources.remove(uri);
        if removed {
            self.announce(Change::ResourcesListChanged);
        }
        removed
    }

    /// Sends `notifications/resources/updated` to the clients subscribed to `uri`.
    pub fn notify_updated(&self, uri: impl Into<String>) {
        self.announce(Change::ResourceUpdated(uri.into()));
    }

    /// Announces `notifications/resources/list_changed` (e.g. after files appeared that a
    /// template's list function reports).
    pub fn notify_list_changed(&self) {
        self.announce(Change::ResourcesListChanged);
    }

    fn announce(&self, change: Change) {
        self.shared
            .hub
            .announce(change, self.shared.config.list_changed_debounce);
    }
}
