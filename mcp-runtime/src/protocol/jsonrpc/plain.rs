//! Messages in the shapes SDKs write them, read by their bytes: the envelope's
//! deserializer classifies every member in turn (≈1.3k instructions of a `tools/call`
//! over stdio, an eighth of the whole call; ≈1.1k of a response a proxy reads), where a
//! known shape needs only its members' values. Only the values that can hold anything
//! (`params`, `result`) go through serde_json, as they would in the envelope's pass.
//! Two orders of the members: `jsonrpc` and `id` first (the Python SDK, rmcp, this
//! crate's client), or last (the TypeScript SDK's `{...request, jsonrpc, id}`).
//!
//! `None` for any bytes not in a shape (other orders, whitespace between members,
//! escapes in the id or method, another member): [`super::parse`]'s general path reads
//! them, and reads the bytes taken here the same way (a differential test holds the two
//! to it).

use serde_json::value::RawValue;

use super::{Message, Request, RequestId};

const HEAD: &[u8] = b"{\"jsonrpc\":\"2.0\",\"id\":";

/// What follows `id` when `jsonrpc` and `id` come last.
const TAIL: &[u8] = b",\"jsonrpc\":\"2.0\",\"id\":";

/// `{"jsonrpc":"2.0","id":ID,"method":"M"[,"params":P]}` or
/// `{"method":"M"[,"params":P],"jsonrpc":"2.0","id":ID}`, `P` an object or an array.
pub(super) fn request(bytes: &[u8]) -> Option<Message> {
    let (id, (method, params)) = framed(
        bytes,
        #[inline(always)]
        |rest, last| {
            let (method, rest) = string(rest.strip_prefix(b"\"method\":")?)?;
            match rest.strip_prefix(b",\"params\":") {
                Some(rest) => {
                    value(rest, last).map(|(params, rest)| ((method, Some(params)), rest))
                }
                None => Some(((method, None), rest)),
            }
        },
    )?;
    // `null` is no params, a scalar an error: the general path's to say.
    if params.is_some_and(|p| !matches!(p.get().as_bytes()[0], b'{' | b'[')) {
        return None;
    }
    Some(Message::Request(Request::new(
        id,
        method,
        params.map(RawValue::to_owned),
    )))
}

/// `{"jsonrpc":"2.0","id":ID,"result":R}` or `{"result":R,"jsonrpc":"2.0","id":ID}`:
/// what a client reads for each of its calls.
#[cfg(feature = "client")]
pub(super) fn response(bytes: &[u8]) -> Option<Message> {
    let (id, result) = framed(
        bytes,
        #[inline(always)]
        |rest, last| value(rest.strip_prefix(b"\"result\":")?, last),
    )?;
    Some(Message::Response(super::Response {
        id,
        outcome: Ok(result.to_owned()),
    }))
}

/// The id and what `members` read of `{"jsonrpc":"2.0","id":ID,MEMBERS}` or
/// `{MEMBERS,"jsonrpc":"2.0","id":ID}`. `members` gets the bytes after the comma or the
/// brace, and whether its members are the object's last ones (see [`value`]). Inlined,
/// as are the closures given to it and `value`: called from both orders' branches they
/// stayed calls, ≈70 instructions of a request (callgrind).
#[inline(always)]
fn framed<'a, T>(
    bytes: &'a [u8],
    members: impl FnOnce(&'a [u8], bool) -> Option<(T, &'a [u8])>,
) -> Option<(RequestId, T)> {
    let (id, read, rest) = match bytes.strip_prefix(HEAD) {
        Some(rest) => {
            let (id, rest) = id(rest)?;
            let (read, rest) = members(rest.strip_prefix(b",")?, true)?;
            (id, read, rest)
        }
        None => {
            let (read, rest) = members(bytes.strip_prefix(b"{")?, false)?;
            let (id, rest) = id(rest.strip_prefix(TAIL)?)?;
            (id, read, rest)
        }
    };
    closes(rest).then_some((id, read))
}

/// An id at the start of `bytes`: a non-negative integer of at most 18 digits (no
/// overflow; no leading zero, which is not JSON) or a plain string.
fn id(bytes: &[u8]) -> Option<(RequestId, &[u8])> {
    if bytes.first() == Some(&b'"') {
        let (text, rest) = string(bytes)?;
        return Some((RequestId::String(text.into()), rest));
    }
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 18 || (digits > 1 && bytes[0] == b'0') {
        return None;
    }
    let n = bytes[..digits]
        .iter()
        .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
    Some((RequestId::Number(n), &bytes[digits..]))
}

/// A string without escapes or control characters at the start of `bytes`, and what
/// follows its closing quote.
fn string(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let body = bytes.strip_prefix(b"\"")?;
    let len = body
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    if body[len] != b'"' {
        return None;
    }
    let text = std::str::from_utf8(&body[..len]).ok()?;
    Some((text, &body[len + 1..]))
}

/// A JSON value at the start of `bytes` and what follows it: with `last`, the object's
/// last member's, read up to its closing brace; else one followed by more members.
#[inline(always)]
fn value(bytes: &[u8], last: bool) -> Option<(&RawValue, &[u8])> {
    if last {
        last_value(bytes)
    } else {
        leading_value(bytes)
    }
}

/// The one JSON value that `bytes` holds before the object's closing brace, and that
/// brace with whatever follows it; `None` if there is more (another member, a second
/// brace) or it is not JSON.
fn last_value(bytes: &[u8]) -> Option<(&RawValue, &[u8])> {
    let end = closing_brace(bytes)?;
    let value = serde_json::from_str(std::str::from_utf8(&bytes[..end]).ok()?).ok()?;
    Some((value, &bytes[end..]))
}

/// The JSON value at the start of `bytes` and what follows it; `None` if it is not JSON
/// or runs into something other than a delimiter.
fn leading_value(bytes: &[u8]) -> Option<(&RawValue, &[u8])> {
    let mut values =
        serde_json::Deserializer::from_str(std::str::from_utf8(bytes).ok()?).into_iter();
    let value: &RawValue = values.next()?.ok()?;
    Some((value, &bytes[values.byte_offset()..]))
}

/// `bytes` is the object's closing brace and whitespace.
fn closes(bytes: &[u8]) -> bool {
    closing_brace(bytes) == Some(0)
}

/// Where the last non-whitespace byte of `bytes` is, if it is a closing brace.
fn closing_brace(bytes: &[u8]) -> Option<usize> {
    // JSON's four whitespace bytes only (not form feed, as `is_ascii_whitespace` has it).
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))?;
    (bytes[end] == b'}').then_some(end)
}
