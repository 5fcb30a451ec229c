//! The JSON-RPC envelope parser, the params index and the key prefilter.

use proptest::prelude::*;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use super::gen;
use crate::protocol::jsonrpc::{self, Message};
use crate::protocol::params::ParamsIndex;
use crate::protocol::{scan, ErrorObject, RequestId};

/// Every rejection is a well-formed JSON-RPC error response.
fn assert_rejection_well_formed(bytes: &[u8]) {
    if let Err(rejected) = jsonrpc::parse(bytes) {
        let out: Value = serde_json::from_slice(&rejected.to_bytes()).expect("valid JSON");
        assert_eq!(out["jsonrpc"], "2.0");
        assert!(out["id"].is_null() || out["id"].is_i64() || out["id"].is_string());
        assert!(out["error"]["code"].is_i64(), "{out}");
        assert!(out["error"]["message"].is_string(), "{out}");
        assert!(out.get("result").is_none());
    }
}

fn id_strategy() -> impl Strategy<Value = (Value, RequestId)> {
    prop_oneof![
        any::<i64>().prop_map(|n| (json!(n), RequestId::Number(n))),
        any::<String>().prop_map(|s| (json!(s), RequestId::String(s.as_str().into()))),
    ]
}

fn plain_id() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => any::<u64>().prop_map(|n| n.to_string()),
        4 => "[0-9]{1,3}",
        2 => any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        2 => "\"[ -~]{0,6}\"",
        1 => "\"[a-z\\x00-\\x1f]{1,4}\"",
        1 => "0[0-9]{1,3}",
        1 => "[1-9][0-9]{17,20}",
        1 => Just("-1".to_owned()),
        1 => Just("-0".to_owned()),
        1 => Just("1.0".to_owned()),
        1 => Just("null".to_owned()),
        1 => Just(String::new()),
    ]
}

/// `"M"` and near misses.
fn plain_method() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z/_]{1,12}".prop_map(|m| format!(r#""{m}""#)),
        2 => any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        1 => "[ -~]{0,6}".prop_map(|m| format!(r#""{m}""#)),
        1 => "[a-z\\x00-\\x1f]{1,4}".prop_map(|m| format!(r#""{m}""#)),
        1 => Just("5".to_owned()),
        1 => Just(r#" "m""#.to_owned()),
    ]
}

fn plain_value() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => (gen::json(), any::<bool>()).prop_map(|(v, pretty)| gen::spaced(&v, pretty)),
        1 => Just(r#"{"code":-32603,"message":"m"}"#.to_owned()),
        1 => "[ -~]{0,12}",
    ]
}

fn plain_tail() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => Just("}".to_owned()),
        4 => "\\}[ \t\r\n\x0c]{1,3}",
        1 => Just("}}".to_owned()),
        1 => Just(r#","error":{"code":1,"message":"m"}}"#.to_owned()),
        1 => Just(r#","id":2}"#.to_owned()),
        1 => Just(String::new()),
    ]
}

fn junk() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        12 => Just(Vec::new()),
        1 => prop::collection::vec(any::<u8>(), 1..3),
    ]
}

/// Request- and response-like lines with `jsonrpc` and `id` first: the plain shapes
/// `parse` and a client read on their own, and near misses, each part off the shape
/// with a small chance of its own.
fn leading_id_line() -> impl Strategy<Value = Vec<u8>> {
    let head = prop_oneof![
        12 => Just(r#"{"jsonrpc":"2.0","id":"#.to_owned()),
        1 => Just(r#"{"jsonrpc":"2.0", "id":"#.to_owned()),
        1 => Just(r#"{"jsonrpc":"1.0","id":"#.to_owned()),
        1 => Just(r#"{"id":"#.to_owned()),
    ];
    // After the id: a request's method and maybe params, or a response's result.
    let body = prop_oneof![
        6 => (plain_method(), any::<bool>())
            .prop_map(|(m, p)| (format!(r#","method":{m}"#), p.then(|| r#","params":"#.to_owned()))),
        6 => Just((String::new(), Some(r#","result":"#.to_owned()))),
        1 => Just((String::new(), Some(r#", "result" : "#.to_owned()))),
        1 => Just((String::new(), Some(r#","error":"#.to_owned()))),
    ];
    (head, plain_id(), body, plain_value(), plain_tail(), junk()).prop_map(
        |(head, id, (method, key), value, tail, junk)| {
            let value = key.map(|k| format!("{k}{value}")).unwrap_or_default();
            let mut line = format!("{head}{id}{method}{value}{tail}").into_bytes();
            line.extend(junk);
            line
        },
    )
}

/// The same with `jsonrpc` and `id` last (`{"method":"M","params":P,"jsonrpc":"2.0",
/// "id":ID}`, `{"result":R,"jsonrpc":"2.0","id":ID}`).
fn trailing_id_line() -> impl Strategy<Value = Vec<u8>> {
    let head = prop_oneof![
        6 => plain_method().prop_map(|m| format!(r#"{{"method":{m}"#)),
        1 => plain_method().prop_map(|m| format!(r#"{{ "method":{m}"#)),
        6 => Just(r#"{"result":"#.to_owned()),
        1 => Just(r#"{"error":"#.to_owned()),
    ];
    let params = prop_oneof![
        3 => plain_value().prop_map(|v| format!(r#","params":{v}"#)),
        1 => plain_value().prop_map(|v| format!(r#","params":{v} "#)),
        1 => Just(String::new()),
    ];
    let tail_key = prop_oneof![
        12 => Just(r#","jsonrpc":"2.0","id":"#.to_owned()),
        1 => Just(r#","jsonrpc":"2.0", "id":"#.to_owned()),
        1 => Just(r#","jsonrpc":"1.0","id":"#.to_owned()),
        1 => Just(r#","id":"#.to_owned()),
    ];
    (
        head,
        params,
        plain_value(),
        tail_key,
        plain_id(),
        plain_tail(),
        junk(),
    )
        .prop_map(|(head, params, value, tail_key, id, tail, junk)| {
            // A request's params, or a response's result right after its key.
            let middle = if head.starts_with(r#"{"result""#) || head.starts_with(r#"{"error""#) {
                value
            } else {
                params
            };
            let mut line = format!("{head}{middle}{tail_key}{id}{tail}").into_bytes();
            line.extend(junk);
            line
        })
}

proptest! {
    // At least 3,000 cases: near misses of one part each are a small share of the lines.
    #![proptest_config(ProptestConfig {
        cases: ProptestConfig::default().cases.max(3_000),
        ..ProptestConfig::default()
    })]
    /// A plain request or response is read without the envelope's deserializer:
    /// whatever the bytes, `parse` (and a client's `parse_incoming_reply`) decide exactly
    /// as the deserializer alone would.
    #[test]
    fn plain_messages_parse_as_the_envelope_parser_reads_them(
        line in prop_oneof![leading_id_line(), trailing_id_line()]
    ) {
        let general = format!("{:?}", jsonrpc::parse_envelope(&line));
        let fast = format!("{:?}", jsonrpc::parse(&line));
        prop_assert_eq!(&fast, &general, "{}", String::from_utf8_lossy(&line));
        #[cfg(feature = "client")]
        {
            let reply = format!("{:?}", jsonrpc::parse_incoming_reply(&line));
            prop_assert_eq!(&reply, &general, "{}", String::from_utf8_lossy(&line));
        }
    }
}

proptest! {
    #[test]
    fn parse_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        assert_rejection_well_formed(&bytes);
    }

    #[test]
    fn parse_never_panics_on_json(v in gen::json(), pretty in any::<bool>()) {
        assert_rejection_well_formed(gen::spaced(&v, pretty).as_bytes());
    }

    /// A well-formed request parses to exactly its parts, whatever else the envelope holds.
    #[test]
    fn requests_parse_to_their_parts(
        (id_json, id) in id_strategy(),
        method in any::<String>(),
        params in prop::option::of(gen::object()),
        pretty in any::<bool>(),
    ) {
        let mut msg = json!({ "jsonrpc": "2.0", "id": id_json, "method": method });
        if let Some(p) = &params {
            msg["params"] = Value::Object(p.clone());
        }
        match jsonrpc::parse(gen::spaced(&msg, pretty).as_bytes()) {
            Ok(Message::Request(req)) => {
                prop_assert_eq!(&req.id, &id);
                prop_assert_eq!(&*req.method, method.as_str());
                let got = req.params.as_deref().map(|p| serde_json::from_str::<Value>(p.get()).unwrap());
                prop_assert_eq!(got, params.map(Value::Object));
            }
            other => prop_assert!(false, "not a request: {other:?}"),
        }
    }

    /// Without an id the same envelope is a notification.
    #[test]
    fn notifications_parse_to_their_parts(method in any::<String>(), params in prop::option::of(gen::object())) {
        let mut msg = json!({ "jsonrpc": "2.0", "method": method });
        if let Some(p) = &params {
            msg["params"] = Value::Object(p.clone());
        }
        match jsonrpc::parse(msg.to_string().as_bytes()) {
            Ok(Message::Notification(n)) => prop_assert_eq!(&*n.method, method.as_str()),
            other => prop_assert!(false, "not a notification: {other:?}"),
        }
    }

    /// What the server writes, the parser reads back: results and errors.
    #[test]
    fn responses_round_trip(
        (_, id) in id_strategy(),
        result in gen::json(),
        code in any::<i64>(),
        message in any::<String>(),
        data in prop::option::of(gen::json()),
    ) {
        let bytes = jsonrpc::result_response(&id, result.to_string().as_bytes());
        match jsonrpc::parse(&bytes) {
            Ok(Message::Response(r)) => {
                prop_assert_eq!(&r.id, &id);
                let got: Value = serde_json::from_str(r.outcome.expect("a result").get()).unwrap();
                prop_assert_eq!(got, result);
            }
            other => prop_assert!(false, "not a response: {other:?}"),
        }
        let error = ErrorObject { code, message, data: data.filter(|d| !d.is_null()) };
        match jsonrpc::parse(&jsonrpc::error_response(Some(&id), &error)) {
            Ok(Message::Response(r)) => {
                prop_assert_eq!(&r.id, &id);
                prop_assert_eq!(r.outcome.expect_err("an error"), error);
            }
            other => prop_assert!(false, "not a response: {other:?}"),
        }
    }

    /// The one-pass index finds the same `name`, `uri` and `_meta` a full parse does.
    #[test]
    fn params_index_agrees_with_a_full_parse(params in gen::object(), pretty in any::<bool>()) {
        let text = gen::spaced(&Value::Object(params.clone()), pretty);
        let raw = RawValue::from_string(text).unwrap();
        let index = ParamsIndex::build(&raw);
        let found = |s: Option<&str>| s.map(|s| serde_json::from_str::<Value>(s).unwrap());
        prop_assert_eq!(found(index.name(&raw)), params.get("name").cloned());
        prop_assert_eq!(found(index.uri(&raw)), params.get("uri").cloned());
        prop_assert_eq!(found(index.meta(&raw)), params.get("_meta").cloned());
    }

    /// The prefilter may say "maybe" wrongly, never "no" wrongly.
    #[test]
    fn key_prefilter_never_misses_a_key(params in gen::object(), escape in any::<bool>()) {
        let mut text = Value::Object(params.clone()).to_string();
        if escape {
            // A key can be spelled with escapes: `\u005fmeta`.
            text = text.replace("\"_meta\"", "\"\\u005fmeta\"");
        }
        let holds = |v: &Value| -> bool {
            fn walk(v: &Value, out: &mut bool) {
                match v {
                    Value::Object(m) => m.iter().for_each(|(k, v)| {
                        *out |= k == "_meta";
                        walk(v, out)
                    }),
                    Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
                    _ => {}
                }
            }
            let mut out = false;
            walk(v, &mut out);
            out
        };
        let parsed: Map<String, Value> = serde_json::from_str(&text).unwrap();
        if holds(&Value::Object(parsed)) {
            prop_assert!(scan::may_hold_keys(text.as_bytes(), &*scan::META));
        }
    }
}

/// What a full serde parse of a call's params yields (the dispatcher's `CallParams`).
#[derive(serde::Deserialize)]
struct FullCall<'a> {
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    arguments: Option<&'a RawValue>,
    #[serde(borrow, default)]
    task: Option<&'a RawValue>,
}

/// `key` as a JSON string, its first letter written as a `\u` escape when `escape`
/// (`"name"` spelled `"\u006eame"`): the same key to serde, not to a byte comparison.
fn key_text(key: &str, escape: bool) -> String {
    let key = serde_json::to_string(key).unwrap();
    if escape && key.len() > 2 && key.as_bytes()[1].is_ascii_alphabetic() {
        return format!("\"\\u{:04x}{}", key.as_bytes()[1], &key[2..]);
    }
    key
}

/// Params text with members given twice, keys spelled with escapes and whitespace
/// anywhere JSON allows it: the shapes `gen::object` (a map) cannot produce.
fn params_text() -> impl Strategy<Value = String> {
    let ws = prop::sample::select(vec!["", "", " ", "\n\t ", "\r"]);
    let member = (
        prop_oneof![
            3 => prop::sample::select(vec!["name", "arguments", "task", "uri", "_meta", "requestState", "inputResponses"]).prop_map(str::to_owned),
            1 => gen::key(),
        ],
        any::<bool>(),
        prop_oneof![
            2 => gen::json(),
            1 => prop::sample::select(vec!["add", "a\"b", "\u{e9}\\"]).prop_map(|s| json!(s)),
        ],
        ws.clone(),
        ws.clone(),
        any::<bool>(),
    );
    (prop::collection::vec(member, 0..6), ws).prop_map(|(members, end)| {
        let mut text = String::from("{");
        for (i, (key, escape, value, a, b, pretty)) in members.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            let key = key_text(key, *escape);
            text.push_str(a);
            text.push_str(&key);
            text.push_str(b);
            text.push(':');
            text.push_str(a);
            text.push_str(&gen::spaced(value, *pretty));
            text.push_str(b);
        }
        text.push_str(end);
        text.push('}');
        text
    })
}

proptest! {
    /// The index (a walk over text serde_json checked) finds what a serde pass finds:
    /// the last `name`, `uri`, `_meta`; and a call's members only when the full parse of
    /// `CallParams` succeeds, with the same values.
    #[test]
    fn params_walk_agrees_with_serde(text in params_text()) {
        let raw = RawValue::from_string(text.clone()).unwrap();
        let index = ParamsIndex::build(&raw);
        let members: Vec<(String, &RawValue)> = {
            #[derive(Default)]
            struct All<'a>(Vec<(String, &'a RawValue)>);
            impl<'de> serde::Deserialize<'de> for All<'de> {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    struct V;
                    impl<'de> serde::de::Visitor<'de> for V {
                        type Value = All<'de>;
                        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                            f.write_str("an object")
                        }
                        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<All<'de>, A::Error> {
                            let mut all = Vec::new();
                            while let Some(k) = m.next_key::<String>()? {
                                all.push((k, m.next_value::<&RawValue>()?));
                            }
                            Ok(All(all))
                        }
                    }
                    d.deserialize_map(V)
                }
            }
            serde_json::from_str::<All<'_>>(raw.get()).unwrap().0
        };
        let last = |key: &str| members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.get());
        prop_assert_eq!(index.name(&raw), last("name"));
        prop_assert_eq!(index.uri(&raw), last("uri"));
        prop_assert_eq!(index.meta(&raw), last("_meta"));
        // An input round's keys are never missed (an index that could not be built says
        // "maybe").
        let retry = last("requestState").is_some() || last("inputResponses").is_some();
        prop_assert!(index.may_retry() || !retry);
        let full = serde_json::from_str::<FullCall<'_>>(raw.get());
        match (index.call(&raw), &full) {
            (Some(call), Ok(full)) => {
                prop_assert_eq!(call.name, &*full.name);
                prop_assert_eq!(call.arguments, full.arguments.map(RawValue::get));
                prop_assert_eq!(call.task, full.task.map(RawValue::get));
            }
            (Some(_), Err(e)) => prop_assert!(false, "indexed a call serde refuses: {e}"),
            // Only an escaped name is left to the full parse when it succeeds.
            (None, Ok(full)) => prop_assert!(index.name(&raw).is_some_and(|n| n.contains('\\')), "{}", full.name),
            (None, Err(_)) => {}
        }
    }
}

/// `_meta` text with the keys the runtime interprets (some spelled with escapes, some
/// given twice), other keys, and values of the right and the wrong shapes.
fn meta_text() -> impl Strategy<Value = String> {
    use crate::protocol::meta;
    let key = prop_oneof![
        4 => prop::sample::select(vec![
            "progressToken",
            meta::PROTOCOL_VERSION,
            meta::CLIENT_CAPABILITIES,
            meta::CLIENT_INFO,
            meta::LOG_LEVEL,
        ])
        .prop_map(str::to_owned),
        1 => gen::key(),
    ];
    let info = (
        prop::sample::select(vec![r#""c""#, r#""a\"b""#, "1", "null"]),
        prop::sample::select(vec![r#","version":"1""#, r#","version":2"#, ""]),
        prop::sample::select(vec![
            "",
            r#","title":"T""#,
            r#","icons":[{"src":"s"}]"#,
            r#","icons":[{}]"#,
            r#","name":"again""#,
            r#","x":[1,{"y":null}]"#,
        ]),
    )
        .prop_map(|(name, version, more)| format!(r#"{{"name":{name}{version}{more}}}"#));
    let value = prop_oneof![
        2 => gen::json().prop_map(|v| v.to_string()),
        2 => info,
        1 => prop::sample::select(vec![
            r#""2026-07-28""#, r#""2025-11-25""#, r#""2026-07-\u0032\u0038""#, r#""x\"y""#,
            "{}", "{ }", "7", "-3", "1.5", "18446744073709551615", "null", r#"["c","1"]"#,
            r#"["c"]"#, r#""info""#, r#""loud""#,
        ])
        .prop_map(str::to_owned),
    ];
    let ws = prop::sample::select(vec!["", " ", "\n"]);
    (prop::collection::vec((key, any::<bool>(), value, ws), 0..6)).prop_map(|members| {
        let mut text = String::from("{");
        for (i, (key, escape, value, ws)) in members.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            let key = key_text(key, *escape);
            text.push_str(ws);
            text.push_str(&key);
            text.push(':');
            text.push_str(value);
            text.push_str(ws);
        }
        text.push('}');
        text
    })
}

/// What a `RequestMeta` holds, comparable.
fn meta_view(m: &crate::protocol::meta::RequestMeta) -> String {
    format!(
        "{:?} {:?} {:?} {} {:?} {:?} {:?} {:?}",
        m.progress_token,
        m.protocol_version(),
        m.has_protocol_version(),
        m.requested_version(),
        m.client_capabilities,
        m.client_info(),
        m.log_level,
        m.rest
    )
}

proptest! {
    /// `_meta` read from the keys the params walk found (each value parsed alone) is what
    /// the full parse of `_meta` reads, and every refusal is worded by the full parse.
    #[test]
    fn meta_read_agrees_with_a_full_parse(text in meta_text()) {
        use crate::protocol::meta::RequestMeta;
        let line = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"m","params":{{"name":"n","_meta":{text}}}}}"#);
        let Ok(Message::Request(req)) = jsonrpc::parse(line.as_bytes()) else {
            panic!("a request: {line}");
        };
        let full = serde_json::from_str::<Option<RequestMeta>>(&text)
            .map_err(|e| format!("invalid _meta: {e}"));
        match (req.meta(), &full) {
            (Ok(read), Ok(full)) => {
                prop_assert_eq!(read.as_ref().map(meta_view), full.as_ref().map(meta_view));
                prop_assert_eq!(
                    read.as_ref().is_some_and(RequestMeta::is_modern),
                    full.as_ref().is_some_and(RequestMeta::is_modern)
                );
            }
            (read, full) => prop_assert_eq!(read.as_ref().err(), full.as_ref().err()),
        }
        // The same when something indexed the params first (`_meta` then walked alone).
        let Ok(Message::Request(again)) = jsonrpc::parse(line.as_bytes()) else {
            panic!("a request: {line}");
        };
        again.index();
        let read = again.meta().as_ref().map(|m| m.as_ref().map(meta_view));
        let full = full.as_ref().map(|m| m.as_ref().map(meta_view));
        prop_assert_eq!(read.as_ref(), full.as_ref());
    }
}
