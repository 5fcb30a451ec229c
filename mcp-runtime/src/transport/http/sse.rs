//! Server-Sent Events framing.

use bytes::{BufMut, Bytes, BytesMut};

/// A comment line that keeps idle connections open through proxies and client timeouts.
pub(super) const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// One `message` event carrying a JSON-RPC message, with an id when the stream is
/// resumable.
pub(super) fn event(id: Option<&str>, data: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(data.len() + 48);
    if let Some(id) = id {
        out.put_slice(b"id: ");
        out.put_slice(id.as_bytes());
        out.put_u8(b'\n');
    }
    out.put_slice(b"event: message\n");
    // A line break inside the payload would end the field; SSE joins `data:` lines with
    // `\n`, so splitting keeps the JSON intact.
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        out.put_slice(b"data: ");
        out.put_slice(line);
        out.put_u8(b'\n');
    }
    out.put_u8(b'\n');
    out.freeze()
}

/// The priming event that opens a resumable stream: an id to resume from, the
/// reconnection delay, and empty data.
pub(super) fn priming(id: &str, retry_ms: u128) -> Bytes {
    Bytes::from(format!("id: {id}\nretry: {retry_ms}\ndata: \n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_events() {
        assert_eq!(
            &event(Some("1-2"), br#"{"a":1}"#)[..],
            b"id: 1-2\nevent: message\ndata: {\"a\":1}\n\n"
        );
        assert_eq!(
            &event(None, b"{\n\"a\":1}")[..],
            b"event: message\ndata: {\ndata: \"a\":1}\n\n"
        );
        assert_eq!(
            &priming("0-0", 1000)[..],
            b"id: 0-0\nretry: 1000\ndata: \n\n"
        );
    }
}
