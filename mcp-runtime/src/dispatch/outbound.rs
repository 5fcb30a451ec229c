//! Where server-to-client messages go: a bounded channel drained by the transport.

use tokio::sync::mpsc;

/// A serialized JSON-RPC message (no trailing newline).
pub type OutMessage = Vec<u8>;

/// A bounded sender of outgoing messages. Stdio transports drain one per connection; the
/// HTTP transport drains one per response stream.
#[derive(Clone, Debug)]
pub struct Outbound {
    tx: mpsc::Sender<OutMessage>,
}

impl Outbound {
    /// A new channel with room for `capacity` queued messages.
    pub fn channel(capacity: usize) -> (Outbound, mpsc::Receiver<OutMessage>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Outbound { tx }, rx)
    }

    /// Queues a message, waiting while the channel is full; false if the receiver is gone.
    pub async fn send(&self, msg: OutMessage) -> bool {
        self.tx.send(msg).await.is_ok()
    }

    /// Queues a message without waiting; false if the channel is full or closed. For
    /// callers that cannot wait (tracing layers, announcements from sync code).
    pub fn try_send(&self, msg: OutMessage) -> bool {
        self.tx.try_send(msg).is_ok()
    }

    /// True when both senders feed the same receiver.
    pub fn same_channel(&self, other: &Outbound) -> bool {
        self.tx.same_channel(&other.tx)
    }

    /// True when the receiving side has gone away.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}
