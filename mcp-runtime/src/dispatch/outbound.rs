//! Where server-to-client messages go: a bounded channel drained by the transport.

use std::task::Poll;

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

/// Moves every message already queued in `rx` to `into`, without waiting; returns how
/// many.
///
/// Not a `try_recv` loop: on a message whose sender is still pushing it, tokio's
/// `try_recv` parks the calling thread until the push ends, on the thread-local parker
/// that `block_on` sleeps on too, and so can swallow a wake-up meant for the future that
/// `block_on` drives (the stdio server stopped reading its input that way). Polled
/// instead, a message still being pushed is just not taken yet (the task's waker is left
/// registered, so at worst it is woken once more than needed), and outside the task's
/// cooperative budget, so a queue is never reported empty because the budget ran out.
pub(crate) async fn take_queued<T>(rx: &mut mpsc::Receiver<T>, into: &mut Vec<T>) -> usize {
    let take = std::future::poll_fn(|cx| {
        Poll::Ready(match rx.poll_recv_many(cx, into, usize::MAX) {
            Poll::Ready(n) => n,
            Poll::Pending => 0,
        })
    });
    tokio::task::unconstrained(take).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn take_queued_takes_what_is_queued_and_does_not_wait() {
        let (tx, mut rx) = mpsc::channel(8);
        let mut got = Vec::new();
        assert_eq!(take_queued(&mut rx, &mut got).await, 0);
        for i in 0..3 {
            tx.send(i).await.unwrap();
        }
        assert_eq!(take_queued(&mut rx, &mut got).await, 3);
        assert_eq!(got, [0, 1, 2]);
        drop(tx);
        assert_eq!(take_queued(&mut rx, &mut got).await, 0);
    }
}
