//! The bare limit: parse each JSON-RPC message with serde_json (borrowing, no `Value`)
//! and write the answer with the least work that still produces a response of the same
//! shape and size as a real server's. Nothing else: no schema, no dispatch table, no tasks.

use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct Req<'a> {
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    method: &'a str,
    #[serde(borrow)]
    params: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Call<'a> {
    #[serde(borrow)]
    name: &'a str,
    #[serde(borrow)]
    arguments: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Add {
    a: i64,
    b: i64,
}

#[derive(Deserialize)]
struct Echo<'a> {
    #[serde(borrow)]
    text: &'a RawValue,
}

const INIT: &str = r#"{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"limit","version":"0"}}"#;
const LIST: &str = r#"{"tools":[{"name":"add","inputSchema":{"type":"object"}},{"name":"echo","inputSchema":{"type":"object"}},{"name":"stats","inputSchema":{"type":"object"}}]}"#;

/// Answers one message into `out` (a full JSON-RPC response, no newline). Returns `false`
/// when nothing must be sent (a notification).
pub fn answer(line: &[u8], out: &mut Vec<u8>) -> bool {
    answer_listing(line, out, LIST.as_bytes())
}

/// Like [`answer`], with `list` (a serialized `tools/list` result) as the canned list:
/// the 1,000-tool row answers with a real server's own page, byte for byte.
pub fn answer_listing(line: &[u8], out: &mut Vec<u8>, list: &[u8]) -> bool {
    let Ok(req) = serde_json::from_slice::<Req>(line) else {
        out.extend_from_slice(
            br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#,
        );
        return true;
    };
    let Some(id) = req.id else { return false };
    out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    out.extend_from_slice(id.get().as_bytes());
    out.extend_from_slice(br#","result":"#);
    match req.method {
        "initialize" => out.extend_from_slice(INIT.as_bytes()),
        "tools/list" => out.extend_from_slice(list),
        "tools/call" => call(req.params, out),
        _ => out.extend_from_slice(b"{}"),
    }
    out.push(b'}');
    true
}

fn call(params: Option<&RawValue>, out: &mut Vec<u8>) {
    let call = params.and_then(|p| serde_json::from_str::<Call>(p.get()).ok());
    let args = call.as_ref().and_then(|c| c.arguments).map(RawValue::get);
    match (call.as_ref().map(|c| c.name), args) {
        (Some("add"), Some(args)) => {
            let Ok(Add { a, b }) = serde_json::from_str(args) else {
                return invalid(out);
            };
            out.extend_from_slice(
                format!(r#"{{"content":[{{"type":"text","text":"{}"}}]}}"#, a + b).as_bytes(),
            );
        }
        (Some("echo"), Some(args)) => {
            let Ok(Echo { text }) = serde_json::from_str(args) else {
                return invalid(out);
            };
            out.extend_from_slice(br#"{"content":[{"type":"text","text":"#);
            out.extend_from_slice(text.get().as_bytes());
            out.extend_from_slice(b"}]}");
        }
        (Some("stats"), Some(args)) => {
            let Ok(Add { a, b }) = serde_json::from_str(args) else {
                return invalid(out);
            };
            let s = format!(
                r#"{{"sum":{},"product":{},"mean":{:?}}}"#,
                a + b,
                a * b,
                (a + b) as f64 / 2.0
            );
            let text = serde_json::to_string(&s).unwrap_or_default();
            out.extend_from_slice(
                format!(
                    r#"{{"content":[{{"type":"text","text":{text}}}],"structuredContent":{s}}}"#
                )
                .as_bytes(),
            );
        }
        _ => invalid(out),
    }
}

fn invalid(out: &mut Vec<u8>) {
    out.extend_from_slice(br#"{"content":[{"type":"text","text":"bad call"}],"isError":true}"#);
}
