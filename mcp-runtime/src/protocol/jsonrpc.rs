//! JSON-RPC 2.0 envelopes: parsing incoming messages without copying their
//! payloads, and writing responses straight into byte buffers.

mod plain;

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::meta::RequestMeta;
use super::params::{MetaKeys, ParamsIndex};

use super::encode;

/// Standard JSON-RPC and MCP error codes.
pub mod code {
    /// Invalid JSON was received.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON sent is not a valid request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// The method does not exist or is not available.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Invalid method parameters.
    pub const INVALID_PARAMS: i64 = -32602;
    /// Internal error.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// Resource not found (session era only; 2026-07-28 uses `INVALID_PARAMS`).
    pub const RESOURCE_NOT_FOUND: i64 = -32002;
    /// HTTP headers do not match the body (2026-07-28).
    pub const HEADER_MISMATCH: i64 = -32020;
    /// The request needs a client capability that was not declared (2026-07-28).
    pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
    /// The requested protocol version is not supported (2026-07-28).
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
    /// mcpserve: the operation needs an authenticated caller (HTTP 401 with `Auth`).
    /// In the implementation-defined range (-32000 to -32019) the spec leaves to servers.
    pub const UNAUTHORIZED: i64 = -32010;
    /// mcpserve: the caller's token lacks scopes the operation needs (HTTP 403 with
    /// `Auth`); `data.scope` lists every scope the operation needs.
    pub const INSUFFICIENT_SCOPE: i64 = -32011;
}

/// A JSON-RPC request id: a string or an integer, never null.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum RequestId {
    /// An integer id.
    Number(i64),
    /// A string id.
    String(Arc<str>),
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl Serialize for RequestId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RequestId::Number(n) => s.serialize_i64(*n),
            RequestId::String(v) => s.serialize_str(v),
        }
    }
}

impl<'de> Deserialize<'de> for RequestId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RequestId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or integer id")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RequestId, E> {
                Ok(RequestId::Number(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RequestId, E> {
                i64::try_from(v)
                    .map(RequestId::Number)
                    .map_err(|_| E::custom("id out of range"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RequestId, E> {
                Ok(RequestId::String(v.into()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The error member of a JSON-RPC error response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ErrorObject {
    /// Error code.
    pub code: i64,
    /// Human-readable message.
    pub message: String,
    /// Optional structured data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// What an incoming line or body turned out to be.
#[derive(Debug)]
pub enum Message {
    /// A request (has `id` and `method`).
    Request(Request),
    /// A notification (has `method`, no `id`).
    Notification(Notification),
    /// A response to a request the server sent.
    Response(Response),
}

/// An incoming request. `params` stays raw so each method deserializes only what it needs.
#[derive(Debug)]
pub struct Request {
    /// The id, echoed in the response.
    pub id: RequestId,
    /// The method name.
    pub method: Box<str>,
    /// Raw params, if any.
    pub params: Option<Box<RawValue>>,
    /// Where `params`' members are, found on first use (see `protocol::params`). A
    /// `once_cell` cell: [`take_meta`](Self::take_meta), which every request goes through,
    /// sets it through `&mut` without the synchronization of a first `get_or_init` (two
    /// atomic read-modify-writes a request).
    index: once_cell::sync::OnceCell<ParamsIndex>,
    /// `params._meta`, parsed once on first use: the HTTP transport reads it to route
    /// the request, the dispatcher then takes it instead of parsing it again. Boxed: a
    /// `Request` lives in every request's future, which must stay small.
    meta: OnceLock<Box<Result<Option<RequestMeta>, String>>>,
}

impl Request {
    /// A request with these parts (what [`parse`] produces for a request line).
    pub fn new(id: RequestId, method: impl Into<Box<str>>, params: Option<Box<RawValue>>) -> Self {
        Request {
            id,
            method: method.into(),
            params,
            index: once_cell::sync::OnceCell::new(),
            meta: OnceLock::new(),
        }
    }

    /// The members of `params` the runtime reads, indexed in one pass on first use.
    pub(crate) fn index(&self) -> &ParamsIndex {
        self.index.get_or_init(|| {
            self.params
                .as_deref()
                .map(ParamsIndex::build)
                .unwrap_or_default()
        })
    }

    /// [`index`](Self::index), and when this call built it, the keys of a plain `_meta`
    /// its walk recorded (`Some(None)`: `_meta` is absent or not plain; `None`: the index
    /// was built before).
    pub(crate) fn index_with_meta_keys(&self) -> (&ParamsIndex, Option<Option<MetaKeys>>) {
        let mut keys = None;
        let index = self.index.get_or_init(|| {
            let (index, meta) = index_params(self.params.as_deref());
            keys = meta;
            index
        });
        (index, keys)
    }

    /// `params._meta` ([`RequestMeta::from_request`]), parsed on first use.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn meta(&self) -> &Result<Option<RequestMeta>, String> {
        self.meta
            .get_or_init(|| Box::new(RequestMeta::from_request(self)))
    }

    /// `params._meta`, moved out of the request (parsed now if nothing read it yet).
    pub(crate) fn take_meta(&mut self) -> Result<Option<RequestMeta>, String> {
        if let Some(meta) = self.meta.take() {
            return *meta;
        }
        let keys = self.index_now();
        RequestMeta::from_request_indexed(self, keys)
    }

    /// Builds the index if nothing has, through `&mut` (no synchronization), and returns
    /// what [`index_with_meta_keys`](Self::index_with_meta_keys) would.
    fn index_now(&mut self) -> Option<Option<MetaKeys>> {
        if self.index.get().is_some() {
            return None;
        }
        let (index, keys) = index_params(self.params.as_deref());
        self.index = once_cell::sync::OnceCell::with_value(index);
        keys
    }
}

/// The index of a request's params, and the keys of a plain `_meta` its walk found
/// (`None` without params).
fn index_params(params: Option<&RawValue>) -> (ParamsIndex, Option<Option<MetaKeys>>) {
    match params {
        Some(params) => {
            let (index, meta) = ParamsIndex::build_with_meta(params);
            (index, Some(meta))
        }
        None => (ParamsIndex::default(), None),
    }
}

/// An incoming notification.
#[derive(Debug)]
pub struct Notification {
    /// The method name.
    pub method: Box<str>,
    /// Raw params, if any.
    pub params: Option<Box<RawValue>>,
}

/// An incoming response (to a server-to-client request).
#[derive(Debug)]
pub struct Response {
    /// The id of the request this answers.
    pub id: RequestId,
    /// `Ok(result)` or `Err(error)`.
    pub outcome: Result<Box<RawValue>, ErrorObject>,
}

/// Why a message could not be accepted; carries the ready-to-send error response.
#[derive(Debug)]
pub struct Rejected {
    /// The id, when it could be read.
    pub id: Option<RequestId>,
    /// The error to send.
    pub error: ErrorObject,
}

impl Rejected {
    fn new(id: Option<RequestId>, code: i64, message: impl Into<String>) -> Self {
        Rejected {
            id,
            error: ErrorObject {
                code,
                message: message.into(),
                data: None,
            },
        }
    }

    /// Serializes the error response.
    pub fn to_bytes(&self) -> Vec<u8> {
        error_response(self.id.as_ref(), &self.error)
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    jsonrpc: Option<&'a RawValue>,
    // `id` and `method` are read in this pass, as whatever JSON value they are (kept
    // as raw values, each was scanned here and parsed again from its text).
    #[serde(default, deserialize_with = "present_id")]
    id: Option<IdField>,
    #[serde(borrow, default)]
    method: Option<MethodField<'a>>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
    // `"result": null` is a result (a client may answer a ping with it), not an absence.
    #[serde(borrow, default, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    error: Option<&'a RawValue>,
}

/// Distinguishes `"id": null` (present) from an absent `id`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// Distinguishes `"id": null` (present, and not a valid id) from an absent `id`.
fn present_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<IdField>, D::Error> {
    IdField::deserialize(d).map(Some)
}

/// The envelope's `id`: a valid id, or any other JSON value (rejected by `parse` with
/// its own error, as a JSON syntax error is not).
enum IdField {
    Valid(RequestId),
    Invalid,
}

/// The envelope's `method`: a string, or any other JSON value.
enum MethodField<'a> {
    Name(std::borrow::Cow<'a, str>),
    NotAString,
}

/// Visits any JSON value: `accept` makes the field of the scalars it takes, every
/// other value (containers consumed) is `other`.
macro_rules! any_value_visitor {
    ($visitor:ident<$de:lifetime> -> $value:ty, other: $other:expr, $($accept:item)*) => {
        struct $visitor;
        impl<$de> Visitor<$de> for $visitor {
            type Value = $value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            $($accept)*
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<$value, E> {
                Ok($other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<$value, E> {
                Ok($other)
            }
            fn visit_i128<E: de::Error>(self, _: i128) -> Result<$value, E> {
                Ok($other)
            }
            fn visit_u128<E: de::Error>(self, _: u128) -> Result<$value, E> {
                Ok($other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<$value, E> {
                Ok($other)
            }
            fn visit_none<E: de::Error>(self) -> Result<$value, E> {
                Ok($other)
            }
            fn visit_seq<A: de::SeqAccess<$de>>(self, mut seq: A) -> Result<$value, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok($other)
            }
            fn visit_map<A: de::MapAccess<$de>>(self, mut map: A) -> Result<$value, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok($other)
            }
        }
    };
}

impl<'de> Deserialize<'de> for IdField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        any_value_visitor!(
            V<'de> -> IdField,
            other: IdField::Invalid,
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IdField, E> {
                Ok(IdField::Valid(RequestId::Number(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IdField, E> {
                Ok(i64::try_from(v).map_or(IdField::Invalid, |v| IdField::Valid(RequestId::Number(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IdField, E> {
                Ok(IdField::Valid(RequestId::String(v.into())))
            }
        );
        d.deserialize_any(V)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for MethodField<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        any_value_visitor!(
            V<'de> -> MethodField<'de>,
            other: MethodField::NotAString,
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<MethodField<'de>, E> {
                Ok(MethodField::NotAString)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<MethodField<'de>, E> {
                Ok(MethodField::NotAString)
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<MethodField<'de>, E> {
                Ok(MethodField::Name(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MethodField<'de>, E> {
                Ok(MethodField::Name(v.to_owned().into()))
            }
        );
        // `MethodField` is covariant: the `'de` borrow lives at least as long as `'a`.
        d.deserialize_any(V).map(|m: MethodField<'de>| m)
    }
}

/// Parses one JSON-RPC message. Batches, wrong versions and malformed envelopes are
/// rejected with the error response the spec prescribes.
pub fn parse(bytes: &[u8]) -> Result<Message, Rejected> {
    match plain::request(bytes) {
        Some(request) => Ok(request),
        None => parse_envelope(bytes),
    }
}

/// [`parse`] for a client, whose incoming messages are mostly the responses to its
/// calls (a server reading requests would only pay for the look).
#[cfg(feature = "client")]
pub(crate) fn parse_incoming_reply(bytes: &[u8]) -> Result<Message, Rejected> {
    match plain::response(bytes) {
        Some(response) => Ok(response),
        None => parse(bytes),
    }
}

/// [`parse`]'s general path: the envelope read by its deserializer.
pub(crate) fn parse_envelope(bytes: &[u8]) -> Result<Message, Rejected> {
    let first = bytes.iter().copied().find(|b| !b.is_ascii_whitespace());
    if first == Some(b'[') {
        // Valid JSON is still required before we call it a batch.
        if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err() {
            return Err(Rejected::new(None, code::PARSE_ERROR, "Parse error"));
        }
        return Err(Rejected::new(
            None,
            code::INVALID_REQUEST,
            "Invalid Request: JSON-RPC batches are not supported",
        ));
    }
    // Valid UTF-8 checked once for the whole message: parsed from `&[u8]`, serde_json
    // checks every key and every borrowed raw member again (≈0.9k instructions a call).
    // Bytes that are not UTF-8 go the slice way, which words the errors as before.
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<Envelope<'_>>(text),
        Err(_) => serde_json::from_slice::<Envelope<'_>>(bytes),
    };
    let env: Envelope<'_> = match parsed {
        Ok(env) => env,
        Err(e) if e.is_data() => {
            return Err(Rejected::new(
                None,
                code::INVALID_REQUEST,
                "Invalid Request: expected a JSON-RPC object",
            ))
        }
        Err(_) => return Err(Rejected::new(None, code::PARSE_ERROR, "Parse error")),
    };
    let id = match env.id {
        None => None,
        Some(IdField::Valid(id)) => Some(id),
        Some(IdField::Invalid) => {
            return Err(Rejected::new(
                None,
                code::INVALID_REQUEST,
                "Invalid Request: id must be a string or an integer",
            ))
        }
    };
    if env.jsonrpc.map(RawValue::get) != Some("\"2.0\"") {
        return Err(Rejected::new(
            id,
            code::INVALID_REQUEST,
            "Invalid Request: jsonrpc must be \"2.0\"",
        ));
    }
    if let Some(method) = env.method {
        let MethodField::Name(method) = method else {
            return Err(Rejected::new(
                id,
                code::INVALID_REQUEST,
                "Invalid Request: method must be a string",
            ));
        };
        if let Some(p) = env.params {
            let c = p.get().as_bytes()[0];
            if c != b'{' && c != b'[' {
                return Err(Rejected::new(
                    id,
                    code::INVALID_REQUEST,
                    "Invalid Request: params must be an object",
                ));
            }
        }
        let params = env.params.map(RawValue::to_owned);
        let method = Box::<str>::from(method);
        return Ok(match id {
            Some(id) => Message::Request(Request::new(id, method, params)),
            None => Message::Notification(Notification { method, params }),
        });
    }
    match (id, env.result, env.error) {
        (Some(id), Some(result), None) => Ok(Message::Response(Response {
            id,
            outcome: Ok(result.to_owned()),
        })),
        (Some(id), None, Some(error)) => match serde_json::from_str(error.get()) {
            Ok(error) => Ok(Message::Response(Response {
                id,
                outcome: Err(error),
            })),
            Err(_) => Err(Rejected::new(
                None,
                code::INVALID_REQUEST,
                "Invalid Request: malformed error object",
            )),
        },
        (id, _, _) => Err(Rejected::new(
            id,
            code::INVALID_REQUEST,
            "Invalid Request: missing method",
        )),
    }
}

/// Writes `{"jsonrpc":"2.0","id":ID,"result":RESULT}`; `result` must be a serialized JSON value.
pub fn result_response(id: &RequestId, result: &[u8]) -> Vec<u8> {
    result_response_with(id, b"", result)
}

/// Like [`result_response`], with `fields` (serialized `"k":v` pairs, no braces) added at
/// the start of the result object, which must be an object unless `fields` is empty.
pub fn result_response_with(id: &RequestId, fields: &[u8], result: &[u8]) -> Vec<u8> {
    with_scratch(|head| {
        head.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
        write_id(head, Some(id));
        head.extend_from_slice(b",\"result\":");
        // Sized exactly (see `with_scratch`).
        let comma = !fields.is_empty() && !is_empty_object(result.get(1..).unwrap_or_default());
        let len = head.len() + fields.len() + usize::from(comma) + result.len() + 1;
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(head);
        if fields.is_empty() {
            out.extend_from_slice(result);
        } else {
            splice_into(&mut out, result, fields);
        }
        out.push(b'}');
        debug_assert_eq!(out.len(), len);
        out
    })
}

/// Like [`result_response_with`], with the result written by `write` straight into the
/// response (no result buffer of its own to allocate and copy).
pub(crate) fn result_response_writing<E>(
    id: &RequestId,
    fields: &[u8],
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
) -> Result<Vec<u8>, E> {
    with_scratch(|out| {
        out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
        write_id(out, Some(id));
        out.extend_from_slice(b",\"result\":");
        let at = out.len();
        write(out)?;
        if !fields.is_empty() {
            debug_assert_eq!(out.get(at), Some(&b'{'));
            let comma = !is_empty_object(&out[at + 1..]);
            // Moved up with one `copy_within`, not `Vec::splice`: splicing an iterator in
            // copied the bytes one at a time (≈450 instructions a 2026 response).
            let start = at + 1;
            let gap = fields.len() + usize::from(comma);
            let end = out.len();
            out.resize(end + gap, 0);
            out.copy_within(start..end, start + gap);
            out[start..start + fields.len()].copy_from_slice(fields);
            if comma {
                out[start + fields.len()] = b',';
            }
        }
        out.push(b'}');
        Ok(exact_copy(out))
    })
}

/// Writes a JSON-RPC error response (`id: null` when the id is unknown).
pub fn error_response(id: Option<&RequestId>, error: &ErrorObject) -> Vec<u8> {
    with_scratch(|out| {
        out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
        write_id(out, id);
        out.extend_from_slice(b",\"error\":");
        encode::to_writer(out, error).expect("error objects serialize");
        out.push(b'}');
        exact_copy(out)
    })
}

/// Past this size a response is handed over in the buffer it was written in (a copy
/// would cost more than the allocation it saves), and the scratch buffer is not kept.
const EXACT_MAX: usize = 16 * 1024;

thread_local! {
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Runs `f` with this thread's (cleared) scratch buffer. Responses leave it as exactly
/// sized copies: a `Vec` whose length is its capacity becomes the transports' `Bytes`
/// without the shared header `Bytes` allocates otherwise (one allocation, and an atomic
/// count when the writer drops it, per response).
fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    SCRATCH.with(|cell| {
        // Taken, not borrowed: a nested use (none today) finds an empty buffer.
        let mut buf = cell.take();
        buf.clear();
        let out = f(&mut buf);
        if buf.capacity() <= 2 * EXACT_MAX {
            cell.set(buf);
        }
        out
    })
}

/// The response in `buf`, exactly sized; a large one is moved out instead.
fn exact_copy(buf: &mut Vec<u8>) -> Vec<u8> {
    if buf.len() > EXACT_MAX {
        std::mem::take(buf)
    } else {
        buf.as_slice().to_vec()
    }
}

/// True when `rest` (an object's text after its `{`) closes right away.
fn is_empty_object(rest: &[u8]) -> bool {
    rest.iter().copied().find(|b| !b.is_ascii_whitespace()) == Some(b'}')
}

/// Writes a notification with already-serialized params.
pub fn notification(method: &str, params: &impl Serialize) -> Vec<u8> {
    #[derive(Serialize)]
    struct N<'a, P> {
        jsonrpc: &'static str,
        method: &'a str,
        params: &'a P,
    }
    encode::to_vec(&N {
        jsonrpc: "2.0",
        method,
        params,
    })
    .expect("notifications serialize")
}

/// Writes a request (server to client).
pub fn request(id: &RequestId, method: &str, params: &impl Serialize) -> Vec<u8> {
    #[derive(Serialize)]
    struct R<'a, P> {
        jsonrpc: &'static str,
        id: &'a RequestId,
        method: &'a str,
        params: &'a P,
    }
    encode::to_vec(&R {
        jsonrpc: "2.0",
        id,
        method,
        params,
    })
    .expect("requests serialize")
}

/// The id of a request written by [`request`], or `None` for any other message (a
/// notification, a response). Reads only as far as the id: what [`request`] writes
/// starts with `{"jsonrpc":"2.0","id":`, which no notification or response of ours does
/// without also being a response (those go out as replies, not through this check).
#[cfg_attr(not(feature = "http"), allow(dead_code))]
pub(crate) fn outgoing_request_id(message: &[u8]) -> Option<RequestId> {
    const PREFIX: &[u8] = br#"{"jsonrpc":"2.0","id":"#;
    let rest = message.strip_prefix(PREFIX)?;
    let mut ids = serde_json::Deserializer::from_slice(rest).into_iter::<RequestId>();
    let id = ids.next()?.ok()?;
    // A request's id is followed by its method; a response's by `result`/`error`.
    let after = &rest[ids.byte_offset()..];
    after.starts_with(br#","method":"#).then_some(id)
}

fn write_id(out: &mut Vec<u8>, id: Option<&RequestId>) {
    match id {
        None => out.extend_from_slice(b"null"),
        Some(id) => encode::to_writer(out, id).expect("ids serialize"),
    }
}

/// Inserts `fields` (a serialized list of `"k":v` pairs, no braces) at the start of a
/// serialized JSON object. Used to add `resultType` and caching hints without
/// re-serializing cached results.
pub fn splice_fields(object: &[u8], fields: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(object.len() + fields.len() + 1);
    splice_into(&mut out, object, fields);
    out
}

fn splice_into(out: &mut Vec<u8>, object: &[u8], fields: &[u8]) {
    debug_assert_eq!(object.first(), Some(&b'{'));
    out.push(b'{');
    out.extend_from_slice(fields);
    let rest = &object[1..];
    if !is_empty_object(rest) && !fields.is_empty() {
        out.push(b',');
    }
    out.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {

    #[test]
    fn id_and_method_of_every_json_kind_are_classified_in_the_envelopes_pass() {
        use super::{parse, Message, RequestId};
        let kinds = [
            "null",
            "true",
            "0",
            "-1",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775809",
            "1.5",
            "1e3",
            r#""7""#,
            r#""\u00e9\n""#,
            "[]",
            "[1,[2,{}]]",
            "{}",
            r#"{"a":{"b":[1]}}"#,
        ];
        for kind in kinds {
            let value: serde_json::Value = serde_json::from_str(kind).unwrap();
            let id_ok = value.is_string() || value.is_i64();
            let line = format!(r#"{{"jsonrpc":"2.0","id":{kind},"method":"ping"}}"#);
            match parse(line.as_bytes()) {
                Ok(Message::Request(req)) => {
                    assert!(id_ok, "{kind} taken as an id");
                    let want = match value.clone() {
                        serde_json::Value::String(s) => RequestId::String(s.into()),
                        v => RequestId::Number(v.as_i64().unwrap()),
                    };
                    assert_eq!(req.id, want);
                }
                Err(r) => {
                    assert!(!id_ok, "{kind} refused as an id");
                    assert_eq!(r.id, None);
                    assert_eq!(
                        r.error.message,
                        "Invalid Request: id must be a string or an integer"
                    );
                }
                Ok(other) => panic!("{kind}: {other:?}"),
            }
            let line = format!(r#"{{"jsonrpc":"2.0","id":1,"method":{kind}}}"#);
            match (parse(line.as_bytes()), value) {
                // `"method": null` reads as no method at all.
                (Err(r), serde_json::Value::Null) => {
                    assert_eq!(r.error.message, "Invalid Request: missing method")
                }
                (Ok(Message::Request(req)), serde_json::Value::String(s)) => {
                    assert_eq!(&*req.method, s)
                }
                (Err(r), v) if !v.is_string() => {
                    assert_eq!(r.id, Some(RequestId::Number(1)));
                    assert_eq!(r.error.message, "Invalid Request: method must be a string");
                }
                (other, v) => panic!("method {v}: {other:?}"),
            }
        }
    }

    #[test]
    fn finds_the_id_of_outgoing_requests_only() {
        let req = request(
            &RequestId::Number(7),
            "elicitation/create",
            &serde_json::json!({}),
        );
        assert_eq!(outgoing_request_id(&req), Some(RequestId::Number(7)));
        let req = request(
            &RequestId::String("a\"b".into()),
            "ping",
            &serde_json::json!({}),
        );
        assert_eq!(
            outgoing_request_id(&req),
            Some(RequestId::String("a\"b".into()))
        );
        let note = notification("notifications/progress", &serde_json::json!({"id": 1}));
        assert_eq!(outgoing_request_id(&note), None);
        let res = result_response(&RequestId::Number(7), b"{}");
        assert_eq!(outgoing_request_id(&res), None);
    }
    use super::*;

    fn rejected(s: &str) -> (Option<RequestId>, i64) {
        match parse(s.as_bytes()) {
            Err(r) => (r.id, r.error.code),
            Ok(m) => panic!("accepted {m:?}"),
        }
    }

    /// Found by `fuzz::jsonrpc::responses_round_trip`: `result: null` was read as no
    /// result, and the client's answer was refused as a request without a method.
    #[test]
    fn a_null_result_is_a_result() {
        match parse(br#"{"jsonrpc":"2.0","id":0,"result":null}"#) {
            Ok(Message::Response(r)) => assert_eq!(r.outcome.unwrap().get(), "null"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn meta_is_parsed_once_and_taken_by_whoever_comes_last() {
        let line = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","progressToken":7}}}"#;
        let Ok(Message::Request(mut req)) = parse(line) else {
            panic!("a request")
        };
        let version = |m: &RequestMeta| m.protocol_version().map(str::to_owned);
        let first = req.meta().as_ref().unwrap().as_ref().map(version);
        assert_eq!(first, Some(Some("2026-07-28".to_owned())));
        // What the transport read is what the dispatcher gets, even if params changed
        // since (they do not in the runtime: this shows the parse is not repeated).
        req.params = None;
        let taken = req.take_meta().unwrap().unwrap();
        assert_eq!(taken.protocol_version(), Some("2026-07-28"));
        assert!(taken.progress_token.is_some());
        // Taken once: a second take parses the (now absent) params again.
        assert!(req.take_meta().unwrap().is_none());
        // A `_meta` that does not parse is an error for the dispatcher to report.
        let line = br#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/clientInfo":5}}}"#;
        let Ok(Message::Request(mut req)) = parse(line) else {
            panic!("a request")
        };
        assert!(req.meta().is_err());
        assert!(req.take_meta().unwrap_err().starts_with("invalid _meta"));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_judged_as_serde_json_judges_a_slice() {
        // Inside a string that is read: a parse error, as it always was.
        let Err(rejected) = parse(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\xff\"}") else {
            panic!("rejected")
        };
        assert_eq!(
            (rejected.error.code, rejected.id),
            (code::PARSE_ERROR, None)
        );
        // Outside any string: a syntax error too.
        let Err(rejected) = parse(b"{\"jsonrpc\":\"2.0\",\"id\":1,\xff}") else {
            panic!("rejected")
        };
        assert_eq!(rejected.error.code, code::PARSE_ERROR);
        // The same line in valid UTF-8 is a request: only the bytes decide.
        assert!(matches!(
            parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\u{ff}\"}".as_bytes()),
            Ok(Message::Request(r)) if &*r.method == "a\u{ff}"
        ));
    }

    #[test]
    fn classifies_messages() {
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","id":"a","method":"ping"}"#),
            Ok(Message::Request(Request {
                id: RequestId::String(_),
                ..
            }))
        ));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Ok(Message::Notification(_))
        ));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","id":7,"result":{}}"#),
            Ok(Message::Response(Response { outcome: Ok(_), .. }))
        ));
    }

    #[test]
    fn rejects_per_spec() {
        assert_eq!(rejected("{not json"), (None, code::PARSE_ERROR));
        assert_eq!(rejected("[]"), (None, code::INVALID_REQUEST));
        assert_eq!(
            rejected(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#),
            (None, code::INVALID_REQUEST)
        );
        assert_eq!(rejected("42"), (None, code::INVALID_REQUEST));
        assert_eq!(
            rejected(r#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#),
            (Some(RequestId::Number(3)), code::INVALID_REQUEST)
        );
        assert_eq!(
            rejected(r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#),
            (None, code::INVALID_REQUEST)
        );
        assert_eq!(
            rejected(r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#),
            (None, code::INVALID_REQUEST)
        );
        assert_eq!(
            rejected(r#"{"jsonrpc":"2.0","id":2,"method":5}"#),
            (Some(RequestId::Number(2)), code::INVALID_REQUEST)
        );
        assert_eq!(
            rejected(r#"{"jsonrpc":"2.0","id":2,"method":"x","params":3}"#),
            (Some(RequestId::Number(2)), code::INVALID_REQUEST)
        );
    }

    #[test]
    fn splices_fields() {
        assert_eq!(splice_fields(b"{}", b"\"a\":1"), b"{\"a\":1}");
        assert_eq!(
            splice_fields(b"{\"b\":2}", b"\"a\":1"),
            b"{\"a\":1,\"b\":2}"
        );
        assert_eq!(splice_fields(b"{\"b\":2}", b""), b"{\"b\":2}");
    }

    #[test]
    fn a_result_written_in_place_is_the_copied_one() {
        let ids = [RequestId::Number(-7), RequestId::String("x\"y".into())];
        for id in &ids {
            for body in [&b"{}"[..], b"{ }", b"{\"a\":1}", b"[1]"] {
                for fields in [&b""[..], b"\"resultType\":\"complete\""] {
                    if !fields.is_empty() && body[0] != b'{' {
                        continue;
                    }
                    let written = result_response_writing(id, fields, |out| {
                        out.extend_from_slice(body);
                        Ok::<_, ()>(())
                    });
                    let written = written.unwrap();
                    let copied = result_response_with(id, fields, body);
                    assert_eq!(written, copied);
                    // Exactly sized: `Bytes` takes them without a header of its own.
                    assert_eq!(written.len(), written.capacity());
                    assert_eq!(copied.len(), copied.capacity());
                }
            }
        }
    }

    #[test]
    fn a_plain_request_is_read_without_the_envelope_parser() {
        use super::{parse, plain, Message, RequestId};
        for line in [
            &br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"add","arguments":{"a":1}}}"#[..],
            br#"{"jsonrpc":"2.0","id":"a-1","method":"ping"}"#,
            br#"{"jsonrpc":"2.0","id":0,"method":"x","params":[1, 2] }"#,
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{}}\r\n",
            // The TypeScript SDK's order (`{...request, jsonrpc, id}`).
            br#"{"method":"tools/call","params":{"name":"add"},"jsonrpc":"2.0","id":3}"#,
            br#"{"method":"ping","jsonrpc":"2.0","id":"p"}"#,
        ] {
            assert!(plain::request(line).is_some(), "{}", String::from_utf8_lossy(line));
        }
        let Ok(Message::Request(r)) =
            parse(br#"{"jsonrpc":"2.0","id":"q","method":"m","params": {"a":"\u00e9"} }"#)
        else {
            panic!("not a request");
        };
        assert_eq!(r.id, RequestId::String("q".into()));
        assert_eq!(&*r.method, "m");
        assert_eq!(r.params.unwrap().get(), r#"{"a":"\u00e9"}"#);
        // Shapes it leaves to the envelope parser.
        for line in [
            &br#"{"jsonrpc":"2.0","id":"\u0037","method":"m"}"#[..],
            br#"{"jsonrpc":"2.0","id":1,"method":"\u006d"}"#,
            br#"{"jsonrpc":"2.0","id":07,"method":"m"}"#,
            br#"{"jsonrpc":"2.0","id":-1,"method":"m"}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"m","params":null}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"m","params":3}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"m","params":{},"id":2}"#,
            br#"{"jsonrpc":"2.0","id":1,"method":"m","id":2}"#,
            br#"{"method":"m","params":{} ,"jsonrpc":"2.0","id":1}"#,
            br#"{"method":"m","params":{},"id":1,"jsonrpc":"2.0"}"#,
            br#"{"method":"m","params":null,"jsonrpc":"2.0","id":1}"#,
            br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            br#"{"method":"notifications/initialized","jsonrpc":"2.0"}"#,
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\"}\x0c",
        ] {
            assert!(
                plain::request(line).is_none(),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    #[cfg(feature = "client")]
    fn a_plain_response_is_read_without_the_envelope_parser() {
        use super::{parse_incoming_reply, plain, Message, RequestId};
        for line in [
            &br#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"42"}]}}"#[..],
            br#"{"jsonrpc":"2.0","id":0,"result":{}}"#,
            br#"{"jsonrpc":"2.0","id":"s","result":{}}"#,
            br#"{"jsonrpc":"2.0","id":123456789012345678,"result":[1, 2] }"#,
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}\r\n",
            br#"{"result":{"content":[]},"jsonrpc":"2.0","id":4}"#,
        ] {
            assert!(
                plain::response(line).is_some(),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        let Ok(Message::Response(r)) =
            parse_incoming_reply(br#"{"jsonrpc":"2.0","id":12,"result": {"a":"\u00e9"} }"#)
        else {
            panic!("not a response");
        };
        assert_eq!(r.id, RequestId::Number(12));
        assert_eq!(r.outcome.unwrap().get(), r#"{"a":"\u00e9"}"#);
        // Shapes it leaves to the envelope parser.
        for line in [
            &br#"{"jsonrpc":"2.0","id":07,"result":{}}"#[..],
            br#"{"jsonrpc":"2.0","id":-1,"result":{}}"#,
            br#"{"jsonrpc":"2.0","id":1234567890123456789,"result":{}}"#,
            br#"{"jsonrpc":"2.0","id":1,"result":{},"error":{}}"#,
            br#"{"jsonrpc":"2.0","id":1,"result":{}}}"#,
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\x0c",
            br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#,
            br#"{"jsonrpc":"2.0","id":1,"result":{"a":}}"#,
            br#"{"result":{},"jsonrpc":"2.0","id":1,"error":{}}"#,
            br#"{"result":{}"jsonrpc":"2.0","id":1}"#,
        ] {
            assert!(
                plain::response(line).is_none(),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn echoes_ids_exactly() {
        let out = result_response(&RequestId::String("x\"y".into()), b"{}");
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"jsonrpc":"2.0","id":"x\"y","result":{}}"#
        );
    }
}
