//! What this instance does with other instances' messages (shared stores).

use std::sync::{Arc, Weak};

use tokio::sync::broadcast;

use super::service::Inner;
use super::session_store::Reach;
use crate::protocol::jsonrpc::{self, Message};
use crate::stores::ClusterMessage;

/// Applies other instances' messages to this endpoint's sessions until it is dropped.
pub(super) fn listen(inner: &Arc<Inner>, mut rx: broadcast::Receiver<Arc<ClusterMessage>>) {
    let weak: Weak<Inner> = Arc::downgrade(inner);
    tokio::spawn(async move {
        loop {
            let message = match rx.recv().await {
                Ok(m) => m,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "cluster messages dropped: this instance fell behind");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            let Some(inner) = weak.upgrade() else { return };
            apply(&inner, &message);
        }
    });
}

fn apply(inner: &Inner, message: &ClusterMessage) {
    match message {
        ClusterMessage::SessionClosed { session } if inner.sessions.remove(session, Reach::Here) => {
            tracing::debug!(%session, "session ended on another instance");
        }
        ClusterMessage::SessionClosed { .. } => {}
        ClusterMessage::SessionChanged { session, changes } => {
            if let Some(state) = inner
                .sessions
                .get(session)
                .and_then(|s| s.conn.session().cloned())
            {
                for change in changes {
                    state.apply(change);
                }
            }
        }
        ClusterMessage::ClientResponse { session, response } => {
            let Some(s) = inner.sessions.get(session) else {
                return;
            };
            if let Ok(Message::Response(r)) = jsonrpc::parse(response.as_bytes()) {
                if s.conn.session().is_some_and(|state| state.awaits(&r.id)) {
                    inner.server.dispatcher().handle_response(r, &s.conn);
                }
            }
        }
        ClusterMessage::ClientProgress { session, progress } => {
            if let Some(state) = inner
                .sessions
                .get(session)
                .and_then(|s| s.conn.session().cloned())
            {
                state.client_progress(progress);
            }
        }
        ClusterMessage::Cancelled {
            session,
            request_id,
        } => {
            if let Some(s) = inner.sessions.get(session) {
                s.conn.cancel(request_id);
            }
        }
        ClusterMessage::Announce { method, uri } => {
            if let Some(change) = crate::notify::Change::from_method(method, uri.as_deref()) {
                inner.server.shared.hub.publish_here(&change);
            }
        }
        #[allow(unreachable_patterns)]
        _ => {}
    }
}
