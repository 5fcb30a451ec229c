//! Newline framing with a size limit, so one huge line cannot exhaust memory.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, ReadBuf};

pub(crate) enum Line {
    /// A complete line, without the newline, is in the caller's buffer.
    Message,
    /// A line longer than the limit; its bytes were discarded.
    TooLong,
    /// End of input.
    Eof,
}

/// Line buffers up to this size are kept for the next line.
const KEEP_CAPACITY: usize = 256 * 1024;

/// Reads the next line into `line` (cleared first, so one buffer serves every line).
/// Cancel safe only between lines: dropping the future mid-line loses the partial line.
pub(crate) async fn next_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Line> {
    line.clear();
    if line.capacity() > KEEP_CAPACITY {
        // One huge message must not pin its buffer for the connection's lifetime.
        *line = Vec::new();
    }
    let mut overflow = false;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(match (overflow, line.is_empty()) {
                (true, _) => Line::TooLong,
                (false, true) => Line::Eof,
                (false, false) => Line::Message,
            });
        }
        let (chunk, found) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..i], Some(i)),
            None => (buf, None),
        };
        if !overflow {
            if line.len() + chunk.len() > limit {
                overflow = true;
                *line = Vec::new();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let consumed = found.map_or(buf.len(), |i| i + 1);
        reader.consume(consumed);
        if found.is_some() {
            return Ok(if overflow {
                Line::TooLong
            } else {
                Line::Message
            });
        }
    }
}

/// A read buffer like Tokio's `BufReader`, whose memory is not zeroed up front: a 64 KiB
/// `BufReader` starts with a `calloc` of all of it (≈66k instructions and 16 page faults
/// at every server start, where a process start is ≈1M instructions), though the
/// messages of a quiet connection rarely fill a page.
pub(crate) struct InputBuffer<R> {
    inner: R,
    /// `buf[pos..]` is read and not yet consumed.
    buf: Vec<u8>,
    pos: usize,
}

impl<R> InputBuffer<R> {
    pub(crate) fn with_capacity(capacity: usize, inner: R) -> Self {
        InputBuffer {
            inner,
            buf: Vec::with_capacity(capacity),
            pos: 0,
        }
    }

    /// Whether a whole line is already buffered: reading it will not wait for input.
    pub(crate) fn has_line(&self) -> bool {
        memchr::memchr(b'\n', &self.buf[self.pos..]).is_some()
    }
}

impl<R: AsyncRead + Unpin> AsyncBufRead for InputBuffer<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.pos >= this.buf.len() {
            this.buf.clear();
            this.pos = 0;
            let mut read = ReadBuf::uninit(this.buf.spare_capacity_mut());
            let start = read.filled().as_ptr();
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            // A reader that swapped the `ReadBuf` for another buffer would make the
            // length below describe memory that was never written.
            assert_eq!(
                start,
                read.filled().as_ptr(),
                "the reader replaced its buffer"
            );
            let n = read.filled().len();
            // SAFETY: `ReadBuf` guarantees its first `n` bytes are initialized, and they
            // are the start of `buf`'s spare capacity (checked above).
            unsafe { this.buf.set_len(n) };
        }
        Poll::Ready(Ok(&this.buf[this.pos..]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        this.pos = (this.pos + amt).min(this.buf.len());
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for InputBuffer<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(out.remaining());
        out.put_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}
