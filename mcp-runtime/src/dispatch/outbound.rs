//! Where server-to-client messages go: a bounded channel drained by the transport.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A serialized JSON-RPC message (no trailing newline). Shared, not copied: one
/// announcement fanned out to every session is one buffer.
pub type OutMessage = bytes::Bytes;

/// A bounded sender of outgoing messages. Stdio transports drain one per connection; the
/// HTTP transport drains one per response stream.
#[derive(Clone, Debug)]
pub struct Outbound {
    tx: mpsc::Sender<OutMessage>,
    /// Fired by [`close_stream`](Self::close_stream); only resumable transports set it.
    close: Option<CancellationToken>,
}

impl Outbound {
    /// A new channel with room for `capacity` queued messages.
    pub fn channel(capacity: usize) -> (Outbound, mpsc::Receiver<OutMessage>) {
        let (tx, rx) = mpsc::channel(capacity);
        (Outbound { tx, close: None }, rx)
    }

    /// Lets [`close_stream`](Self::close_stream) fire `token`: the transport then ends the
    /// response stream early while it keeps storing messages for a resuming client.
    pub fn with_close_signal(mut self, token: CancellationToken) -> Self {
        self.close = Some(token);
        self
    }

    /// Asks the transport to close the stream carrying these messages now (SSE polling:
    /// the client reconnects and receives the rest). False when the transport cannot
    /// resume streams, in which case nothing happens.
    pub fn close_stream(&self) -> bool {
        match &self.close {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Queues a message, waiting while the channel is full; false if the receiver is gone.
    pub async fn send(&self, msg: impl Into<OutMessage>) -> bool {
        self.tx.send(msg.into()).await.is_ok()
    }

    /// Queues a message without waiting; false if the channel is full or closed. For
    /// callers that cannot wait (tracing layers, announcements from sync code).
    pub fn try_send(&self, msg: impl Into<OutMessage>) -> bool {
        self.tx.try_send(msg.into()).is_ok()
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
