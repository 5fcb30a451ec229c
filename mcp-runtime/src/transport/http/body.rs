//! The response body type: a whole JSON body, nothing, or an SSE stream fed by a channel
//! with keep-alive comments while it is quiet.

use std::any::Any;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval, MissedTickBehavior};

use super::connections::Active;
use super::sse;

/// The body of every response the MCP HTTP service produces.
pub struct ResponseBody {
    kind: Kind,
    /// Dropped with the body: how a closed stream cancels its request or ends a session's
    /// activity.
    _guard: Option<Box<dyn Any + Send>>,
    /// Marks the connection busy until the response is sent (`serve_http`).
    _active: Option<Active>,
}

enum Kind {
    Empty,
    Full(Option<Bytes>),
    Stream {
        /// Frames to send before reading the channel (a resumed stream's replay).
        first: VecDeque<Bytes>,
        rx: mpsc::Receiver<Bytes>,
        keep_alive: Interval,
    },
}

impl ResponseBody {
    pub(crate) fn empty() -> Self {
        ResponseBody {
            kind: Kind::Empty,
            _guard: None,
            _active: None,
        }
    }

    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        ResponseBody {
            kind: Kind::Full(Some(bytes.into())),
            _guard: None,
            _active: None,
        }
    }

    pub(super) fn stream(
        first: VecDeque<Bytes>,
        rx: mpsc::Receiver<Bytes>,
        keep_alive_every: Duration,
    ) -> Self {
        let mut keep_alive =
            tokio::time::interval_at(Instant::now() + keep_alive_every, keep_alive_every);
        keep_alive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        ResponseBody {
            kind: Kind::Stream {
                first,
                rx,
                keep_alive,
            },
            _guard: None,
            _active: None,
        }
    }

    /// Counts the response as a request in progress on its connection until sent.
    pub(super) fn on_connection(mut self, active: Active) -> Self {
        self._active = Some(active);
        self
    }

    /// Keeps `guard` alive for as long as the body is.
    pub(super) fn with_guard(mut self, guard: impl Any + Send) -> Self {
        self._guard = Some(Box::new(guard));
        self
    }
}

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            Kind::Empty => "empty",
            Kind::Full(_) => "full",
            Kind::Stream { .. } => "stream",
        };
        f.debug_struct("ResponseBody").field("kind", &kind).finish()
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.get_mut().kind {
            Kind::Empty => Poll::Ready(None),
            Kind::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Kind::Stream {
                first,
                rx,
                keep_alive,
            } => {
                if let Some(frame) = first.pop_front() {
                    return Poll::Ready(Some(Ok(Frame::data(frame))));
                }
                match rx.poll_recv(cx) {
                    Poll::Ready(Some(frame)) => {
                        keep_alive.reset();
                        Poll::Ready(Some(Ok(Frame::data(frame))))
                    }
                    Poll::Ready(None) => Poll::Ready(None),
                    Poll::Pending => match keep_alive.poll_tick(cx) {
                        Poll::Ready(_) => {
                            Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(sse::KEEP_ALIVE)))))
                        }
                        Poll::Pending => Poll::Pending,
                    },
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Empty => true,
            Kind::Full(bytes) => bytes.is_none(),
            Kind::Stream { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Empty => SizeHint::with_exact(0),
            Kind::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Stream { .. } => SizeHint::default(),
        }
    }
}
