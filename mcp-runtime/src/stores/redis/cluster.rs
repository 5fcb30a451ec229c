//! Cluster messages over Redis pub/sub: one channel, one subscription per instance.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use crate::stores::{new_instance_id, Cluster, ClusterMessage};

/// [`Cluster`] on a Redis pub/sub channel. Messages published while Redis is down are
/// lost (they are hints: sessions and tasks themselves are in the stores).
pub struct RedisCluster {
    instance: Arc<str>,
    outgoing: mpsc::Sender<ClusterMessage>,
    incoming: broadcast::Sender<Arc<ClusterMessage>>,
}

#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    from: &'a str,
    #[serde(rename = "msg")]
    message: ClusterMessage,
}

impl RedisCluster {
    pub(super) fn start(client: redis::Client, conn: ConnectionManager, channel: Arc<str>) -> Self {
        let instance: Arc<str> = new_instance_id().into();
        let (outgoing, rx) = mpsc::channel(4096);
        let (incoming, _) = broadcast::channel(4096);
        tokio::spawn(publish(conn, channel.clone(), instance.clone(), rx));
        tokio::spawn(subscribe(
            client,
            channel,
            instance.clone(),
            incoming.downgrade(),
        ));
        RedisCluster {
            instance,
            outgoing,
            incoming,
        }
    }
}

impl Cluster for RedisCluster {
    fn instance(&self) -> &str {
        &self.instance
    }

    fn publish(&self, message: ClusterMessage) {
        if self.outgoing.try_send(message).is_err() {
            tracing::warn!("cluster message dropped: too many queued for Redis");
        }
    }

    fn subscribe(&self) -> broadcast::Receiver<Arc<ClusterMessage>> {
        self.incoming.subscribe()
    }
}

/// Publishes in order, one message at a time; ends with the cluster handle.
async fn publish(
    mut conn: ConnectionManager,
    channel: Arc<str>,
    instance: Arc<str>,
    mut rx: mpsc::Receiver<ClusterMessage>,
) {
    while let Some(message) = rx.recv().await {
        let envelope = Envelope {
            from: &instance,
            message,
        };
        let Ok(payload) = serde_json::to_string(&envelope) else {
            continue;
        };
        let sent: redis::RedisResult<()> = redis::cmd("PUBLISH")
            .arg(&*channel)
            .arg(payload)
            .query_async(&mut conn)
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %super::describe(&e), "cluster message lost: Redis failed");
        }
    }
}

/// Receives other instances' messages, resubscribing after Redis comes back; ends
/// with the cluster handle.
async fn subscribe(
    client: redis::Client,
    channel: Arc<str>,
    instance: Arc<str>,
    incoming: broadcast::WeakSender<Arc<ClusterMessage>>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        if incoming.strong_count() == 0 {
            return;
        }
        let mut pubsub = match client.get_async_pubsub().await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %super::describe(&e), "cluster channel: cannot reach Redis; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        if let Err(e) = pubsub.subscribe(&*channel).await {
            tracing::warn!(error = %super::describe(&e), "cluster channel: subscribe failed; retrying");
            tokio::time::sleep(backoff).await;
            continue;
        }
        backoff = Duration::from_millis(100);
        let mut messages = pubsub.into_on_message();
        while let Some(msg) = messages.next().await {
            let Some(tx) = incoming.upgrade() else { return };
            let Ok(envelope) = serde_json::from_slice::<Envelope<'_>>(msg.get_payload_bytes())
            else {
                tracing::debug!("cluster channel: unreadable message ignored");
                continue;
            };
            if envelope.from != &*instance {
                let _ = tx.send(Arc::new(envelope.message));
            }
        }
        tracing::warn!("cluster channel: connection to Redis lost; resubscribing");
    }
}
