//! Where server-to-client messages go: a bounded channel drained by the transport.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A serialized JSON-RPC message (no trailing newline). Shared, not copied: one
/// announcement fanned out to every session is one buffer.
pub type OutMessage = bytes::Bytes;

/// A bounded sender of outgoing messages. Stdio transports drain one per connection; the
/// HTTP transport drains one per response stream.
#[derive(Clone, Debug)]
pub struct Outbound {
    tx: Tx,
    /// Fired by [`close_stream`](Self::close_stream); only resumable transports set it.
    close: Option<CancellationToken>,
}

#[derive(Clone, Debug)]
enum Tx {
    /// Shared, not cloned: a tokio `Sender`'s clone and drop are two atomic
    /// read-modify-writes each (its sender count and its `Arc`), and every request on a
    /// stdio connection clones its connection's sender.
    Channel(Arc<mpsc::Sender<OutMessage>>),
    /// A channel made on the first send ([`Outbound::lazy`]).
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    Lazy(Arc<Lazy>),
}

/// The shared state of a lazily made channel: most HTTP requests send nothing but their
/// response, and a channel (two allocations, one of them cache-line aligned) per request
/// would be made for nothing.
#[derive(Debug)]
struct Lazy {
    capacity: usize,
    state: Mutex<LazyState>,
}

#[derive(Debug, Default)]
struct LazyState {
    /// Set by the first send. Held here, so the channel closes when the last
    /// [`Outbound`] clone (and so this state) is gone, as a plain channel's does.
    tx: Option<mpsc::Sender<OutMessage>>,
    /// The receiving half, until the [`OutReceiver`] takes it.
    rx: Option<mpsc::Receiver<OutMessage>>,
    /// The receiver went away before the channel was made: sends fail.
    closed: bool,
    /// The receiver waiting for the channel to be made.
    waker: Option<Waker>,
}

impl Lazy {
    /// The channel's sender, made now if this is the first send; `None` once the
    /// receiver is gone.
    fn sender(&self) -> Option<mpsc::Sender<OutMessage>> {
        let mut state = self.state.lock().expect("outbound lock");
        if let Some(tx) = &state.tx {
            return Some(tx.clone());
        }
        if state.closed {
            return None;
        }
        let (tx, rx) = mpsc::channel(self.capacity);
        state.tx = Some(tx.clone());
        state.rx = Some(rx);
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
        Some(tx)
    }
}

impl Outbound {
    /// A new channel with room for `capacity` queued messages.
    pub fn channel(capacity: usize) -> (Outbound, mpsc::Receiver<OutMessage>) {
        let (tx, rx) = mpsc::channel(capacity);
        (
            Outbound {
                tx: Tx::Channel(Arc::new(tx)),
                close: None,
            },
            rx,
        )
    }

    /// Like [`channel`](Self::channel), but the channel is only made when the first
    /// message is sent: a request that sends nothing but its response costs one small
    /// allocation instead of a channel.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn lazy(capacity: usize) -> (Outbound, OutReceiver) {
        let shared = Arc::new(Lazy {
            capacity,
            state: Mutex::default(),
        });
        let rx = OutReceiver {
            shared: Some(shared.clone()),
            rx: None,
        };
        (
            Outbound {
                tx: Tx::Lazy(shared),
                close: None,
            },
            rx,
        )
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
        match &self.tx {
            Tx::Channel(tx) => tx.send(msg.into()).await.is_ok(),
            Tx::Lazy(lazy) => match lazy.sender() {
                Some(tx) => tx.send(msg.into()).await.is_ok(),
                None => false,
            },
        }
    }

    /// Queues a message without waiting; false if the channel is full or closed. For
    /// callers that cannot wait (tracing layers, announcements from sync code).
    pub fn try_send(&self, msg: impl Into<OutMessage>) -> bool {
        match &self.tx {
            Tx::Channel(tx) => tx.try_send(msg.into()).is_ok(),
            Tx::Lazy(lazy) => lazy
                .sender()
                .is_some_and(|tx| tx.try_send(msg.into()).is_ok()),
        }
    }

    /// True when both senders feed the same receiver.
    pub fn same_channel(&self, other: &Outbound) -> bool {
        match (&self.tx, &other.tx) {
            (Tx::Channel(a), Tx::Channel(b)) => a.same_channel(b),
            (Tx::Lazy(a), Tx::Lazy(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// True when the receiving side has gone away.
    pub fn is_closed(&self) -> bool {
        match &self.tx {
            Tx::Channel(tx) => tx.is_closed(),
            Tx::Lazy(lazy) => {
                let state = lazy.state.lock().expect("outbound lock");
                match &state.tx {
                    Some(tx) => tx.is_closed(),
                    None => state.closed,
                }
            }
        }
    }
}

/// The receiving half of [`Outbound::lazy`]: waits for the channel to be made, then
/// receives from it. Dropping it before the first send makes every send fail, as
/// dropping a channel's receiver does.
#[cfg_attr(not(feature = "http"), allow(dead_code))]
#[derive(Debug)]
pub(crate) struct OutReceiver {
    /// Until the channel is taken: the senders' shared state. Let go of then, so the
    /// channel closes with the last sender.
    shared: Option<Arc<Lazy>>,
    rx: Option<mpsc::Receiver<OutMessage>>,
}

impl From<mpsc::Receiver<OutMessage>> for OutReceiver {
    fn from(rx: mpsc::Receiver<OutMessage>) -> Self {
        OutReceiver {
            shared: None,
            rx: Some(rx),
        }
    }
}

#[cfg_attr(not(feature = "http"), allow(dead_code))]
impl OutReceiver {
    /// The channel, once the first send made it (registering `cx` to be woken then).
    fn poll_channel(
        &mut self,
        cx: Option<&Context<'_>>,
    ) -> Option<&mut mpsc::Receiver<OutMessage>> {
        if self.rx.is_none() {
            let shared = self.shared.as_ref()?;
            let mut state = shared.state.lock().expect("outbound lock");
            match state.rx.take() {
                Some(rx) => {
                    drop(state);
                    self.rx = Some(rx);
                    self.shared = None;
                }
                None => {
                    if let Some(cx) = cx {
                        state.waker = Some(cx.waker().clone());
                    }
                    return None;
                }
            }
        }
        self.rx.as_mut()
    }

    /// The next message; `None` once every sender is gone. Before the first send it
    /// waits (a request that never sends leaves this pending: its reply ends the wait).
    pub(crate) async fn recv(&mut self) -> Option<OutMessage> {
        std::future::poll_fn(|cx| match self.poll_channel(Some(cx)) {
            Some(rx) => rx.poll_recv(cx),
            None => Poll::Pending,
        })
        .await
    }

    /// [`take_queued`] from the channel, if it was made.
    pub(crate) async fn take_queued(&mut self, into: &mut Vec<OutMessage>) -> usize {
        match self.poll_channel(None) {
            Some(rx) => take_queued(rx, into).await,
            None => 0,
        }
    }
}

impl Drop for OutReceiver {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            let mut state = shared.state.lock().expect("outbound lock");
            state.closed = true;
            // Made but not taken: dropping it fails the senders, as for a plain channel.
            state.rx = None;
            state.waker = None;
        }
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
#[cfg_attr(not(feature = "http"), allow(dead_code))]
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
