//! Newline framing with a size limit, so one huge line cannot exhaust memory.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

pub(crate) enum Line {
    /// A complete line, without the newline.
    Message(Vec<u8>),
    /// A line longer than the limit; its bytes were discarded.
    TooLong,
    /// End of input.
    Eof,
}

pub(crate) async fn next_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    limit: usize,
) -> std::io::Result<Line> {
    let mut line = Vec::new();
    let mut overflow = false;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(match (overflow, line.is_empty()) {
                (true, _) => Line::TooLong,
                (false, true) => Line::Eof,
                (false, false) => Line::Message(line),
            });
        }
        let (chunk, found) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..i], Some(i)),
            None => (buf, None),
        };
        if !overflow {
            if line.len() + chunk.len() > limit {
                overflow = true;
                line = Vec::new();
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
                Line::Message(line)
            });
        }
    }
}
