//! One request in flight and everything the server sends about it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use serde_json::value::RawValue;
use serde_json::Value;

use super::{Client, ClientError};
use crate::protocol::{Era, ErrorObject, RequestId};

/// What the server sent about a request.
#[derive(Debug)]
#[non_exhaustive]
pub enum Incoming {
    /// A notification of this request: `notifications/progress`, `notifications/message`.
    Notification {
        /// The method.
        method: String,
        /// Its params.
        params: Value,
    },
    /// A request of the server's while it works on this one (session era): answer it
    /// with [`Exchange::respond`].
    Request {
        /// Its JSON-RPC id, to answer with.
        id: Value,
        /// The method (`sampling/createMessage`, `elicitation/create`, `roots/list`).
        method: String,
        /// Its params.
        params: Value,
    },
    /// The server closed the request's response stream before the result (session-era
    /// SSE polling); the client is resuming it. Nothing to do but wait.
    Interrupted,
    /// The result, or the server's JSON-RPC error. The last event.
    Result(Result<Box<RawValue>, ErrorObject>),
    /// The request failed without an answer (the connection broke). The last event.
    Failed(ClientError),
}

/// A request in flight, from [`Client::start`].
pub struct Exchange {
    id: RequestId,
    era: Era,
    rx: EventReceiver,
    client: Client,
    done: bool,
}

impl Exchange {
    pub(crate) fn new(id: RequestId, era: Era, rx: EventReceiver, client: Client) -> Self {
        Exchange {
            id,
            era,
            rx,
            client,
            done: false,
        }
    }

    /// The request's id.
    pub fn id(&self) -> &RequestId {
        &self.id
    }

    /// The era it was sent in.
    pub fn era(&self) -> Era {
        self.era
    }

    /// The next thing the server sent about the request. After `Result` or `Failed`,
    /// `Failed` again.
    pub async fn next(&mut self) -> Incoming {
        if self.done {
            return Incoming::Failed(ClientError::Closed("the exchange is over".into()));
        }
        let event = match self.rx.next().await {
            Some(event) => event,
            None => Incoming::Failed(ClientError::Closed(
                self.client
                    .closed_reason()
                    .unwrap_or_else(|| "the connection closed".into()),
            )),
        };
        if matches!(event, Incoming::Result(_) | Incoming::Failed(_)) {
            self.done = true;
        }
        event
    }

    /// Answers a server-to-client request that came with this exchange.
    pub async fn respond(
        &self,
        id: Value,
        answer: Result<Value, ErrorObject>,
    ) -> Result<(), ClientError> {
        self.client.shared.link.respond(id, answer, self.era).await
    }

    /// Waits for the result, answering the server's requests with the client's handler
    /// and handing notifications to its notification handler.
    pub(crate) async fn finish_with_handlers(&mut self) -> Result<Box<RawValue>, ClientError> {
        loop {
            match self.next().await {
                Incoming::Result(Ok(raw)) => return Ok(raw),
                Incoming::Result(Err(e)) => return Err(ClientError::Rpc(e)),
                Incoming::Failed(e) => return Err(e),
                Incoming::Interrupted => {}
                Incoming::Notification { method, params } => {
                    self.client.shared.link.router().notify(method, params);
                }
                Incoming::Request { id, method, params } => {
                    let answering = self.client.shared.link.router().answer(method, params);
                    let answer = answering.await;
                    self.respond(id, answer).await?;
                }
            }
        }
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        if !self.done {
            self.client.shared.link.cancel(&self.id, self.era);
        }
    }
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("id", &self.id)
            .field("era", &self.era)
            .field("done", &self.done)
            .finish()
    }
}

/// Events queued per request before notifications start being dropped (the result is
/// always kept): a server flooding progress cannot grow the proxy's memory.
const QUEUE_LIMIT: usize = 256;

/// The events of one request, from the connection's reader to its [`Exchange`]. Lighter
/// than a channel: most requests carry one event, their result; the waiting side's waker
/// is kept under the queue's own lock (no second synchronisation for the wake-up).
pub(crate) fn events() -> (EventSender, EventReceiver) {
    let shared = Arc::new(Events {
        queue: Mutex::new(Queue {
            first: None,
            items: VecDeque::new(),
            closed: false,
            waker: None,
        }),
    });
    (
        EventSender {
            shared: shared.clone(),
        },
        EventReceiver {
            shared,
            driver: None,
        },
    )
}

struct Events {
    queue: Mutex<Queue>,
}

struct Queue {
    /// The oldest event when `items` is empty: most requests' only one (their result)
    /// needs no queue allocation.
    first: Option<Incoming>,
    items: VecDeque<Incoming>,
    /// The sender is gone, or the receiver is.
    closed: bool,
    /// The receiver, waiting for an event.
    waker: Option<Waker>,
}

/// Hands events to an [`Exchange`]; dropping it ends the exchange.
pub(crate) struct EventSender {
    shared: Arc<Events>,
}

impl EventSender {
    /// Queues `event`; false when the exchange is gone.
    pub(crate) fn send(&self, event: Incoming) -> bool {
        let waker = {
            let mut q = self.shared.queue.lock().expect("events lock");
            if q.closed {
                return false;
            }
            let droppable = matches!(event, Incoming::Notification { .. });
            if droppable && q.items.len() >= QUEUE_LIMIT {
                tracing::debug!(
                    "a request's notification was dropped: its consumer is not keeping up"
                );
                return true;
            }
            if q.first.is_none() && q.items.is_empty() {
                q.first = Some(event);
            } else {
                q.items.push_back(event);
            }
            q.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        true
    }
}

impl Drop for EventSender {
    fn drop(&mut self) {
        let waker = {
            let mut q = self.shared.queue.lock().expect("events lock");
            q.closed = true;
            q.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The receiving end, inside an [`Exchange`].
pub(crate) struct EventReceiver {
    shared: Arc<Events>,
    /// The request's own work, when it runs inside the exchange rather than on a task
    /// of its own (it progresses while the exchange is waited on; dropping it cancels).
    /// (A `Mutex` only to make the exchange `Sync`: it is reached through `&mut`.)
    driver: Option<Mutex<crate::tool::BoxFuture<'static, ()>>>,
}

impl EventReceiver {
    /// Runs `driver` (the request's work) whenever the exchange is waited on.
    pub(crate) fn driven_by(mut self, driver: crate::tool::BoxFuture<'static, ()>) -> Self {
        self.driver = Some(Mutex::new(driver));
        self
    }

    /// The next event; `None` once the sender is gone and nothing is left.
    async fn next(&mut self) -> Option<Incoming> {
        std::future::poll_fn(|cx| {
            // The request's own work first: what it sends is then taken without a
            // wake-up of its own.
            if let Some(driver) = &mut self.driver {
                let driver = driver.get_mut().expect("driver lock");
                if driver.as_mut().poll(cx).is_ready() {
                    self.driver = None;
                }
            }
            let mut q = self.shared.queue.lock().expect("events lock");
            if let Some(event) = q.first.take().or_else(|| q.items.pop_front()) {
                return Poll::Ready(Some(event));
            }
            if q.closed {
                return Poll::Ready(None);
            }
            if !q.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                q.waker = Some(cx.waker().clone());
            }
            Poll::Pending
        })
        .await
    }
}

impl Drop for EventReceiver {
    fn drop(&mut self) {
        let mut q = self.shared.queue.lock().expect("events lock");
        q.closed = true;
        q.first = None;
        q.items.clear();
        q.waker = None;
    }
}
