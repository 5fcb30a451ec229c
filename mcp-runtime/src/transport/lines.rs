//! Newline framing with a size limit, so one huge line cannot exhaust memory.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

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
