//! The line a server sends most: a result, `{"jsonrpc":"2.0","id":7,"result":{..}}`,
//! read without the general message parse. That parse visits every member of the
//! envelope through serde (about half of a proxied call's response cost); here the
//! envelope is scanned by hand and only the result's text goes through serde_json, which
//! validates it as it must (its bytes are passed on as they are).
//!
//! Anything else, or anything unusual about this shape (other or repeated members, an
//! id that is not a plain integer or string, a result that is not an object, invalid
//! JSON), gives `None`, and the line takes the general parse, with its own errors: this
//! only ever accepts lines that parse the same way there.

use serde_json::value::RawValue;

use crate::protocol::RequestId;

/// The id and result of a result line; `None` for every other line.
pub(crate) fn result_line(line: &[u8]) -> Option<(RequestId, Box<RawValue>)> {
    let mut s = Scanner { b: line, i: 0 };
    s.space();
    s.expect(b'{')?;
    let (mut version, mut id, mut result) = (false, None, None);
    loop {
        s.space();
        let key = s.plain_string()?;
        s.space();
        s.expect(b':')?;
        s.space();
        match key {
            b"jsonrpc" if !version => {
                if s.plain_string()? != b"2.0" {
                    return None;
                }
                version = true;
            }
            b"id" if id.is_none() => id = Some(s.id()?),
            b"result" if result.is_none() => {
                let start = s.i;
                if s.peek()? != b'{' {
                    return None;
                }
                s.skip_container()?;
                result = Some(start..s.i);
            }
            _ => return None,
        }
        s.space();
        match s.next()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    s.space();
    let (true, Some(id), Some(span), true) = (version, id, result, s.i == line.len()) else {
        return None;
    };
    let text = std::str::from_utf8(&line[span]).ok()?;
    // Validates the result (a copy of exactly its text: no second copy inside).
    let result = RawValue::from_string(text.to_owned()).ok()?;
    Some((id, result))
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// JSON's whitespace.
    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// A string without escapes or control characters: its bytes between the quotes.
    fn plain_string(&mut self) -> Option<&'a [u8]> {
        self.expect(b'"')?;
        let rest = &self.b[self.i..];
        let len = memchr::memchr2(b'"', b'\\', rest)?;
        let text = &rest[..len];
        if rest[len] != b'"' || text.iter().any(|&c| c < 0x20) {
            return None;
        }
        self.i += len + 1;
        Some(text)
    }

    /// An id as `jsonrpc::parse` reads it: an integer that fits an `i64`, or a string.
    fn id(&mut self) -> Option<RequestId> {
        if self.peek()? == b'"' {
            let text = std::str::from_utf8(self.plain_string()?).ok()?;
            return Some(RequestId::String(text.into()));
        }
        let start = self.i;
        if self.peek()? == b'-' {
            self.i += 1;
        }
        let digits = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let n = self.i - digits;
        // No leading zeros (invalid JSON); at most 18 digits, so it fits; a fraction or
        // an exponent fails at the caller (a `,` or `}` must follow).
        if n == 0 || n > 18 || (n > 1 && self.b[digits] == b'0') {
            return None;
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).ok()?;
        text.parse().ok().map(RequestId::Number)
    }

    /// Skips an object or array (strings and nesting followed, nothing else checked:
    /// serde_json validates the text afterwards).
    fn skip_container(&mut self) -> Option<()> {
        let b = self.b;
        let mut i = self.i;
        let mut depth = 0usize;
        while let Some(&c) = b.get(i) {
            i += 1;
            match c {
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.i = i;
                        return Some(());
                    }
                }
                // To the closing quote, over escaped characters.
                b'"' => loop {
                    i += memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
                    if b[i] == b'"' {
                        i += 1;
                        break;
                    }
                    i += 2;
                },
                _ => {}
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::jsonrpc::{self, Message};

    /// What the general parse makes of a line, when it is a result.
    fn general(line: &str) -> Option<(RequestId, String)> {
        match jsonrpc::parse(line.as_bytes()) {
            Ok(Message::Response(r)) => r.outcome.ok().map(|raw| (r.id, raw.get().to_owned())),
            _ => None,
        }
    }

    fn fast(line: &str) -> Option<(RequestId, String)> {
        result_line(line.as_bytes()).map(|(id, raw)| (id, raw.get().to_owned()))
    }

    #[test]
    fn reads_result_lines_as_the_general_parse_does() {
        for line in [
            r#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"42"}],"isError":false}}"#,
            r#"{"result":{},"id":0,"jsonrpc":"2.0"}"#,
            r#" { "jsonrpc" : "2.0" , "id" : -12 , "result" : { "a" : [1, {"b": "}]\"{["}] } } "#,
            r#"{"jsonrpc":"2.0","id":"req-é","result":{"text":"\u00e9\n"}}"#,
            r#"{"jsonrpc":"2.0","id":999999999999999999,"result":{}}"#,
        ] {
            let fast = fast(line);
            assert!(fast.is_some(), "taken by the fast path: {line}");
            assert_eq!(fast, general(line), "{line}");
        }
    }

    #[test]
    fn leaves_every_other_line_to_the_general_parse() {
        for line in [
            // Not results.
            r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"nope"}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/progress","params":{}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
            // Unusual envelopes.
            r#"{"jsonrpc":"2.0","id":1,"result":{},"extra":1}"#,
            r#"{"jsonrpc":"2.0","id":1,"id":2,"result":{}}"#,
            r#"{"jsonrpc":"1.0","id":1,"result":{}}"#,
            r#"{"id":1,"result":{}}"#,
            r#"{"jsonrpc":"2.0","result":{}}"#,
            r#"{"jsonrpc":"2.0","id":null,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":1.5,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":1e3,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":01,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":99999999999999999999,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":"a\"b","result":{}}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":null}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":[1]}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{}} x"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{}}}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{}"#,
            r#"[{"jsonrpc":"2.0","id":1,"result":{}}]"#,
            // Results that are not valid JSON.
            r#"{"jsonrpc":"2.0","id":1,"result":{"content":[}]}}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{"a":tru}}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{"a":"\q"}}"#,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":\"\x01\"}}",
            r#"{"jsonrpc":"2.0","id":1,"result":{"a":1,}}"#,
            "",
        ] {
            assert_eq!(fast(line), None, "{line}");
        }
        // Not UTF-8 inside the result.
        let mut bytes = br#"{"jsonrpc":"2.0","id":1,"result":{"a":""}}"#.to_vec();
        bytes.insert(39, 0xff);
        assert!(result_line(&bytes).is_none());
    }
}
