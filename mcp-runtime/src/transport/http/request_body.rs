//! Reading a request body within its limits: size, total time, and time between chunks.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::time::Instant;

/// Why a body could not be read.
#[derive(Debug)]
pub(super) enum ReadError {
    /// Longer than the limit.
    TooLarge,
    /// Did not arrive in time (total or between chunks).
    TimedOut,
    /// The connection failed or the body was malformed.
    Failed(Box<dyn std::error::Error + Send + Sync>),
}

/// What a body must keep to.
pub(super) struct BodyLimits {
    pub(super) max_bytes: usize,
    pub(super) total: Duration,
    pub(super) idle: Duration,
}

/// Reads `body` whole. A body already buffered (most are: hyper reads small bodies with
/// their headers) costs no timer; one that has to be waited for is bounded by the
/// limits, the total counted from the first wait.
pub(super) async fn read<B>(body: B, limits: &BodyLimits) -> Result<Bytes, ReadError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut body = pin!(Limited::new(body, limits.max_bytes));
    let mut whole = Whole::Empty;
    let mut deadline = None;
    loop {
        let frame = {
            let mut next = body.frame();
            let first = std::future::poll_fn(|cx| Poll::Ready(pin!(&mut next).poll(cx))).await;
            match first {
                Poll::Ready(frame) => frame,
                Poll::Pending => {
                    let now = Instant::now();
                    let end = *deadline.get_or_insert(now + limits.total);
                    let wait = limits.idle.min(end.saturating_duration_since(now));
                    tokio::time::timeout(wait, next)
                        .await
                        .map_err(|_| ReadError::TimedOut)?
                }
            }
        };
        match frame {
            None => return Ok(whole.into_bytes()),
            Some(Ok(frame)) => {
                // Trailers carry nothing the endpoint reads.
                if let Ok(mut data) = frame.into_data() {
                    let chunk = data.copy_to_bytes(data.remaining());
                    whole.push(chunk);
                }
            }
            Some(Err(e)) if e.is::<LengthLimitError>() => return Err(ReadError::TooLarge),
            Some(Err(e)) => return Err(ReadError::Failed(e)),
        }
    }
}

/// The chunks so far: a single chunk is kept as it came, without a copy.
enum Whole {
    Empty,
    One(Bytes),
    Many(BytesMut),
}

impl Whole {
    fn push(&mut self, chunk: Bytes) {
        *self = match std::mem::replace(self, Whole::Empty) {
            Whole::Empty => Whole::One(chunk),
            Whole::One(first) => {
                let mut all = BytesMut::with_capacity(first.len() + chunk.len());
                all.extend_from_slice(&first);
                all.extend_from_slice(&chunk);
                Whole::Many(all)
            }
            Whole::Many(mut all) => {
                all.extend_from_slice(&chunk);
                Whole::Many(all)
            }
        }
    }

    fn into_bytes(self) -> Bytes {
        match self {
            Whole::Empty => Bytes::new(),
            Whole::One(b) => b,
            Whole::Many(b) => b.freeze(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::Context;

    use http_body::Frame;
    use http_body_util::Full;

    use super::*;

    fn limits(max_bytes: usize) -> BodyLimits {
        BodyLimits {
            max_bytes,
            total: Duration::from_millis(300),
            idle: Duration::from_millis(100),
        }
    }

    /// Yields its chunks, then ends, or stalls forever when `stall`.
    struct Chunks {
        chunks: VecDeque<&'static [u8]>,
        stall: bool,
    }

    impl Body for Chunks {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            match self.chunks.pop_front() {
                Some(c) => Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(c))))),
                None if self.stall => Poll::Pending,
                None => Poll::Ready(None),
            }
        }
    }

    #[tokio::test]
    async fn reads_whole_bodies_and_enforces_the_size() {
        let body = Full::new(Bytes::from_static(b"{\"a\":1}"));
        assert_eq!(&read(body, &limits(100)).await.unwrap()[..], b"{\"a\":1}");
        let body = Chunks {
            chunks: [&b"{\"a\""[..], b":", b"1}"].into(),
            stall: false,
        };
        assert_eq!(&read(body, &limits(100)).await.unwrap()[..], b"{\"a\":1}");
        let body = Full::new(Bytes::from_static(b"0123456789"));
        assert!(matches!(
            read(body, &limits(5)).await,
            Err(ReadError::TooLarge)
        ));
    }

    #[tokio::test]
    async fn a_body_that_stalls_times_out() {
        let body = Chunks {
            chunks: [&b"{\"a\""[..]].into(),
            stall: true,
        };
        assert!(matches!(
            read(body, &limits(100)).await,
            Err(ReadError::TimedOut)
        ));
    }
}
