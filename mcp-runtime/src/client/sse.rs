//! Server-Sent Events, as a client reads them: fields split per the HTML living
//! standard (`\n`, `\r\n` or `\r` line ends, `:` comments, `data` lines joined).

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    pub(crate) data: String,
}

/// Incremental parser: feed it bytes as they arrive.
#[derive(Debug, Default)]
pub(crate) struct Parser {
    line: Vec<u8>,
    data: String,
    /// Set when the previous chunk ended in `\r` (its `\n` may start the next one).
    after_cr: bool,
    /// The last `id` seen (the stream's `Last-Event-ID`).
    pub(crate) last_id: Option<String>,
    /// The last `retry` seen, in milliseconds.
    pub(crate) retry: Option<u64>,
}

impl Parser {
    /// Parses `chunk`, returning the events it completed.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        for &b in chunk {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    self.field(&line, &mut events);
                }
                _ => self.line.push(b),
            }
        }
        events
    }

    fn field(&mut self, line: &[u8], events: &mut Vec<Event>) {
        if line.is_empty() {
            if !self.data.is_empty() {
                let mut data = std::mem::take(&mut self.data);
                data.pop();
                events.push(Event { data });
            }
            return;
        }
        if line[0] == b':' {
            return;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &[][..]),
        };
        let value = String::from_utf8_lossy(value);
        match name {
            b"data" => {
                self.data.push_str(&value);
                self.data.push('\n');
            }
            b"id" if !value.contains('\0') => self.last_id = Some(value.into_owned()),
            b"retry" => {
                if let Ok(ms) = value.parse() {
                    self.retry = Some(ms);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_fields_and_line_endings() {
        let mut p = Parser::default();
        let mut events = p.push(b"id: 1\r\nretry: 500\r\ndata: {\"a\":1}\r\n\r\n: comment\n");
        events.extend(p.push(b"data: line one\ndata: line two\n\n"));
        events.extend(p.push(b"id: 7\ndata:\n\n"));
        events.extend(p.push(b"data: split"));
        events.extend(p.push(b" across chunks\r"));
        events.extend(p.push(b"\n\r\n"));
        assert_eq!(
            events,
            [
                Event {
                    data: "{\"a\":1}".into()
                },
                Event {
                    data: "line one\nline two".into()
                },
                Event {
                    data: String::new()
                },
                Event {
                    data: "split across chunks".into()
                },
            ]
        );
        assert_eq!(p.last_id.as_deref(), Some("7"));
        assert_eq!(p.retry, Some(500));
    }
}
