//! Generators shared by the fuzz properties.

use proptest::prelude::*;
use serde_json::{Map, Value};

/// Keys the runtime looks for, mixed with arbitrary ones so the interesting paths are hit.
pub(super) fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "jsonrpc", "id", "method", "params", "result", "error", "code", "message",
            "name", "uri", "arguments", "_meta", "cursor", "inputResponses", "requestState",
            "progressToken", "io.modelcontextprotocol/protocolVersion", "protocolVersion",
            "capabilities", "clientInfo", "data", "text", "a", "b", "\u{e9}", "",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
        1 => "[a-z_\\\\\"\\u{0}-\\u{1f}]{0,6}",
    ]
}

/// Arbitrary JSON, biased towards the shapes and keys of MCP messages.
pub(super) fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        prop::sample::select(vec!["2.0", "tools/call", "2026-07-28", "2025-11-25", "add"])
            .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A JSON object, as params are.
pub(super) fn object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((key(), json()), 0..8).prop_map(|kv| kv.into_iter().collect())
}

/// Serializes with random insignificant whitespace, the way a sloppy peer might.
pub(super) fn spaced(v: &Value, pretty: bool) -> String {
    if pretty {
        serde_json::to_string_pretty(v).expect("values serialize")
    } else {
        v.to_string()
    }
}
