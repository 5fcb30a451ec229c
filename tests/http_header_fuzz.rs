//! Property test of the HTTP header ladder: random methods, header sets and values
//! (valid, near-valid, duplicated, non-UTF-8) and bodies against the endpoint. Whatever
//! arrives, the service never panics and answers with a status it documents and a
//! well-formed body: empty, or JSON-RPC (an error object for every error status).
//!
//! Runs 1,024 cases in `cargo test` (about a second); `MCPSERVE_FUZZ_CASES=5000000 cargo
//! test --release --test http_header_fuzz -- --nocapture` runs a longer search. That run
//! (2026-11-30, 129 s, 5,000,000 cases; answers 200 ×74k, 202 ×259k, 400 ×2.4M, 403 ×1.0M,
//! 404 ×183k, 405 ×1.0M, 406 ×204, 415 ×884) found nothing.

mod http_common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request};
use http_body_util::{BodyExt, Full};
use mcpserve::{HttpConfig, McpHttpService};
use proptest::prelude::*;
use serde_json::{json, Value};
use tower_service::Service;

/// Header names the endpoint reads (`host` and `origin` are drawn separately and more
/// rarely: most of their values end the ladder at its first rung).
const HEADER_NAMES: &[&str] = &[
    "accept",
    "content-type",
    "content-length",
    "mcp-session-id",
    "mcp-protocol-version",
    "mcp-method",
    "mcp-name",
    "mcp-param-region",
    "mcp-param-count",
    "last-event-id",
    "x-other",
];

const VALUES: &[&str] = &[
    "",
    " ",
    "localhost",
    "127.0.0.1:8080",
    "evil.example",
    "http://localhost:3000",
    "null",
    "application/json",
    "application/json; charset=utf-8",
    "text/event-stream",
    "application/json, text/event-stream",
    "*/*",
    "text/event-stream;q=0, application/json",
    "2026-07-28",
    "2025-11-25",
    "2025-03-26",
    "2024-11-05",
    "1999-01-01",
    "tools/call",
    "tools/list",
    "initialize",
    "resources/read",
    "prompts/get",
    "add",
    "routed",
    "=?base64?YWRk?=",
    "=?base64?!!?=",
    "=?base64?",
    "eu-west",
    "42",
    "4.2e1",
    "-1",
    "true",
    "0-0",
    "1-999999999999999999999",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "99999999999999999999999",
];

fn header_value() -> impl Strategy<Value = HeaderValue> {
    prop_oneof![
        4 => prop::sample::select(VALUES).prop_map(HeaderValue::from_static),
        // Any bytes a header value may hold (visible ASCII, spaces, tabs, obs-text).
        1 => prop::collection::vec(
            prop_oneof![0x20u8..0x7f, Just(b'\t'), 0x80u8..=0xff],
            0..40
        )
        .prop_map(|bytes| HeaderValue::from_bytes(&bytes).expect("valid header bytes")),
    ]
}

fn header_name() -> impl Strategy<Value = HeaderName> {
    prop_oneof![
        12 => prop::sample::select(HEADER_NAMES).prop_map(HeaderName::from_static),
        1 => prop::sample::select(&["host", "origin"][..]).prop_map(HeaderName::from_static),
        1 => "[a-z][a-z0-9-]{0,12}".prop_map(|n| HeaderName::from_bytes(n.as_bytes()).unwrap()),
    ]
}

fn meta() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!({"progressToken": 1})),
        Just(http_common::meta()),
        Just(http_common::meta()),
        Just(http_common::meta()),
        Just(http_common::meta()),
        Just(json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28"})),
        Just(json!({"io.modelcontextprotocol/protocolVersion": 7,
            "io.modelcontextprotocol/clientCapabilities": []})),
        Just(
            json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}, "progressToken": "p"})
        ),
        Just(json!(5)),
    ]
}

/// A body, and the `Mcp-Method`/`Mcp-Name` values that mirror it when it is a message.
fn body() -> impl Strategy<Value = (Vec<u8>, Option<(&'static str, &'static str)>)> {
    let method = prop::sample::select(
        &[
            "tools/call",
            "tools/call",
            "tools/list",
            "initialize",
            "ping",
            "resources/read",
            "prompts/get",
            "server/discover",
            "notifications/initialized",
            "nope",
        ][..],
    );
    let name = prop::sample::select(&["add", "add", "routed", "missing", ""][..]);
    let args = prop_oneof![
        Just(json!({"a": 1, "b": 2})),
        Just(json!({"region": "eu-west", "count": 42})),
        Just(json!("oops")),
        Just(Value::Null),
    ];
    let id = prop_oneof![
        3 => Just(json!(1)),
        1 => Just(json!("x")),
        1 => Just(Value::Null),
        1 => Just(json!(1.5))
    ];
    let message = (method, name, args, id, meta(), prop::bool::weighted(0.2)).prop_map(
        |(method, name, args, id, meta, is_notification)| {
            let mut params = json!({"name": name, "uri": "file:///x", "arguments": args,
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "fuzz", "version": "1"}});
            if !meta.is_null() {
                params["_meta"] = meta;
            }
            let mut m = json!({"jsonrpc": "2.0", "method": method, "params": params});
            if !is_notification {
                m["id"] = id;
            }
            (serde_json::to_vec(&m).unwrap(), Some((method, name)))
        },
    );
    prop_oneof![
        8 => message,
        1 => Just((br#"{"jsonrpc":"2.0","id":3,"result":{}}"#.to_vec(), None)),
        1 => Just((b"[]".to_vec(), None)),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|b| (b, None)),
    ]
}

fn request() -> impl Strategy<Value = Request<Full<Bytes>>> {
    let method = prop::sample::select(vec![
        Method::POST,
        Method::POST,
        Method::POST,
        Method::POST,
        Method::GET,
        Method::DELETE,
        Method::PUT,
    ]);
    let headers = prop_oneof![
        2 => Just(Vec::new()),
        3 => prop::collection::vec((header_name(), header_value()), 1..5),
    ];
    let start = prop::sample::select(
        &[
            Start::Bare,
            Start::Standard,
            Start::Standard,
            Start::Mirrored,
            Start::Mirrored,
            Start::Mirrored,
        ][..],
    );
    (method, headers, body(), start).prop_map(|(method, headers, (body, mirror), start)| {
        let mut req = Request::builder().method(method).uri("/mcp");
        // Most cases start from a request that passes the early checks (and often one
        // whose headers mirror its body), so the later rungs see traffic too; the
        // random headers then add to it, repeat it or contradict it.
        if start != Start::Bare {
            req = req
                .header("host", "localhost")
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream");
        }
        if let (Start::Mirrored, Some((method, name))) = (start, mirror) {
            req = req
                .header("mcp-protocol-version", "2026-07-28")
                .header("mcp-method", method)
                .header("mcp-name", name);
        }
        for (name, value) in headers {
            req = req.header(name, value);
        }
        req.body(Full::new(Bytes::from(body))).unwrap()
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    Bare,
    Standard,
    Mirrored,
}

/// Statuses the endpoint documents.
const STATUSES: &[u16] = &[
    200, 202, 204, 400, 403, 404, 405, 406, 408, 409, 413, 415, 429, 500, 503,
];

fn check_jsonrpc(message: &Value, status: u16) {
    assert_eq!(message["jsonrpc"], "2.0", "{message}");
    let id = &message["id"];
    assert!(
        id.is_null() || id.is_string() || id.is_i64() || id.is_u64() || id.is_f64(),
        "{message}"
    );
    if status >= 400 {
        let error = &message["error"];
        assert!(error["code"].is_i64(), "status {status}: {message}");
        assert!(error["message"].is_string(), "status {status}: {message}");
    } else {
        assert!(
            message.get("result").is_some()
                || message["error"]["code"].is_i64()
                || message.get("method").is_some(),
            "{message}"
        );
    }
}

/// How often each status was answered.
static SEEN: Mutex<BTreeMap<u16, u32>> = Mutex::new(BTreeMap::new());

async fn exchange(service: &mut McpHttpService, req: Request<Full<Bytes>>) {
    let res = service.call(req).await.unwrap();
    let status = res.status().as_u16();
    *SEEN.lock().unwrap().entry(status).or_default() += 1;
    assert!(STATUSES.contains(&status), "undocumented status {status}");
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = tokio::time::timeout(Duration::from_secs(10), res.into_body().collect())
        .await
        .expect("the response body ends")
        .unwrap()
        .to_bytes();
    match content_type.as_deref() {
        None => assert!(body.is_empty(), "a body without a content type"),
        Some("application/json") => {
            let message: Value = serde_json::from_slice(&body).expect("a JSON body");
            check_jsonrpc(&message, status);
        }
        Some("text/event-stream") => {
            assert_eq!(status, 200);
            let text = std::str::from_utf8(&body).unwrap();
            for data in text.lines().filter_map(|l| l.strip_prefix("data: ")) {
                if !data.is_empty() {
                    check_jsonrpc(&serde_json::from_str(data).unwrap(), status);
                }
            }
        }
        Some(other) => panic!("unexpected content type {other}"),
    }
}

#[test]
fn random_headers_and_bodies_get_well_formed_answers() {
    static PANICKED: AtomicBool = AtomicBool::new(false);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICKED.store(true, Ordering::SeqCst);
        default_hook(info);
    }));
    let cases = std::env::var("MCPSERVE_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1024);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let service = rt.block_on(async { http_common::service(HttpConfig::default()) });
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let ran = std::sync::atomic::AtomicU32::new(0);
    proptest!(config, |(req in request())| {
        ran.fetch_add(1, Ordering::Relaxed);
        let mut service = service.clone();
        rt.block_on(exchange(&mut service, req));
        // A panic in a request's own task is caught and answered; it must not happen.
        prop_assert!(!PANICKED.load(Ordering::SeqCst), "a task panicked");
    });
    assert!(ran.load(Ordering::Relaxed) >= cases, "every case ran");
    // The generators reach past the first rungs of the ladder.
    let seen = SEEN.lock().unwrap();
    println!("statuses answered: {seen:?}");
    assert!(
        seen.len() >= 6 && seen.contains_key(&200),
        "too few kinds of answers: {seen:?}"
    );
}
