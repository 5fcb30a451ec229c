//! Session-era Streamable HTTP (2025-03-26 … 2025-11-25) against a real server on
//! 127.0.0.1: sessions, status codes, SSE framing, resumption.
#![cfg(feature = "http")]

mod http_common;

use std::time::Duration;

use http_common::*;
use mcpserve::HttpConfig;
use serde_json::{json, Value};

#[tokio::test]
async fn initialize_issues_a_visible_ascii_session_id_and_requests_need_it() {
    let server = TestServer::start().await;
    let s = Session::open(&server.url).await;
    assert!(
        s.id.len() >= 32 && s.id.bytes().all(|b| (0x21..=0x7e).contains(&b)),
        "{}",
        s.id
    );
    assert_ne!(Session::open(&server.url).await.id, s.id);

    let list = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/list"});
    // Missing session id: 400, echoing the request id.
    let res = post(
        &server.url,
        &list,
        &[("mcp-protocol-version", "2025-11-25")],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], 7);
    assert_eq!(body["error"]["code"], -32600);
    // Unknown session id: 404.
    let res = post(
        &server.url,
        &list,
        &[
            ("mcp-session-id", "nope"),
            ("mcp-protocol-version", "2025-11-25"),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<Value>().await.unwrap()["id"], 7);
    // Unsupported protocol version header: 400.
    let res = post(
        &server.url,
        &list,
        &[
            ("mcp-session-id", &s.id),
            ("mcp-protocol-version", "1999-01-01"),
        ],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
    // No version header: treated as 2025-03-26, accepted.
    let res = post(&server.url, &list, &[("mcp-session-id", &s.id)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], 7);
    assert!(body["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "add"));
}

#[tokio::test]
async fn simple_replies_are_json_and_notifications_get_202() {
    let server = TestServer::start().await;
    let s = Session::open(&server.url).await;
    let res = s
        .call(1, "add", json!({"a": 2, "b": 3}), false)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"jsonrpc": "2.0", "id": 1, "result": {"content": [{"type": "text", "text": "5"}]}})
    );
    let res = s
        .post(&json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 99}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(res.text().await.unwrap(), "");
    // A response to a server request nobody is waiting for is accepted and ignored.
    let res = s
        .post(&json!({"jsonrpc": "2.0", "id": 5, "result": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
}

#[tokio::test]
async fn a_request_with_notifications_streams_them_before_its_response() {
    let server = TestServer::start().await;
    let s = Session::open(&server.url).await;
    gate("stream-order").notify_one();
    let res = s
        .call(3, "stepped", json!({"gate": "stream-order"}), true)
        .send()
        .await
        .unwrap();
    let mut sse = SseReader::new(res);
    assert_eq!(sse.headers["x-accel-buffering"], "no");
    assert_eq!(sse.headers["cache-control"], "no-cache");
    let events = sse.rest().await;
    // Priming event first: an id, a retry hint, no data.
    assert_eq!(events[0].data, "");
    assert_eq!(events[0].retry, Some(1000));
    assert!(events[0].id.is_some());
    assert_eq!(
        summarize(&events),
        ["progress 1", "progress 2", "progress 3", "result 3 done"]
    );
    let progress = events[1].json();
    assert_eq!(progress["params"]["progressToken"], "p3");
    // Every event has its own id.
    let mut ids: Vec<_> = events.iter().map(|e| e.id.clone().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), events.len());
}

#[tokio::test]
async fn no_priming_event_for_2025_03_26_clients() {
    let server = TestServer::start().await;
    let s = Session::open_version(&server.url, "2025-03-26").await;
    gate("old-client").notify_one();
    let res = s
        .call(1, "stepped", json!({"gate": "old-client"}), true)
        .send()
        .await
        .unwrap();
    let events = SseReader::new(res).rest().await;
    assert!(events
        .iter()
        .all(|e| !e.data.is_empty() && e.retry.is_none() && e.id.is_some()));
    assert_eq!(
        summarize(&events),
        ["progress 1", "progress 2", "progress 3", "result 1 done"]
    );
}

#[tokio::test]
async fn resuming_after_a_dropped_connection_delivers_exactly_the_missed_events() {
    let server = TestServer::start().await;
    let s = Session::open(&server.url).await;
    let res = s
        .call(4, "stepped", json!({"gate": "drop-resume"}), true)
        .send()
        .await
        .unwrap();
    let mut sse = SseReader::new(res);
    let priming = sse.next().await.unwrap();
    let first = sse.next().await.unwrap();
    assert_eq!(summarize(std::slice::from_ref(&first)), ["progress 1"]);
    drop(sse); // the connection goes away mid-request

    // A second stream in the same session must not leak into the resumed one.
    gate("drop-other").notify_one();
    let other = SseReader::new(
        s.call(5, "stepped", json!({"gate": "drop-other"}), true)
            .send()
            .await
            .unwrap(),
    )
    .rest()
    .await;
    assert_eq!(summarize(&other).last().unwrap(), "result 5 done");

    gate("drop-resume").notify_one();
    let res = s
        .get()
        .header("last-event-id", first.id.clone().unwrap())
        .send()
        .await
        .unwrap();
    let resumed = SseReader::new(res).rest().await;
    assert_eq!(
        summarize(&resumed),
        ["progress 2", "progress 3", "result 4 done"]
    );

    // Resuming from the priming event replays everything after it, once.
    let res = s
        .get()
        .header("last-event-id", priming.id.unwrap())
        .send()
        .await
        .unwrap();
    let again = SseReader::new(res).rest().await;
    assert_eq!(
        summarize(&again),
        ["progress 1", "progress 2", "progress 3", "result 4 done"]
    );
    assert_eq!(again[0].id, first.id);

    // An id this session never issued.
    let res = s
        .get()
        .header("last-event-id", "9-999")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn a_server_closed_stream_delivers_the_reply_on_resume() {
    // The conformance fixture `test_reconnection`: priming, close, reply on GET resume.
    let server = TestServer::start().await;
    let s = Session::open(&server.url).await;
    let res = s
        .call(1, "reconnection", json!({"gate": "polling"}), true)
        .send()
        .await
        .unwrap();
    let events = SseReader::new(res).rest().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!((events[0].data.as_str(), events[0].retry), ("", Some(1000)));
    gate("polling").notify_one();
    let res = s
        .get()
        .header("last-event-id", events[0].id.clone().unwrap())
        .send()
        .await
        .unwrap();
    let resumed = SseReader::new(res).rest().await;
    assert_eq!(summarize(&resumed), ["progress 1", "result 1 resumed"]);
}

#[tokio::test]
async fn standalone_get_stream_and_its_limits() {
    let server = TestServer::start().await;
    let s = Session::open(&server.url).await;
    let mut stream = SseReader::new(s.get().send().await.unwrap());
    let priming = stream.next().await.unwrap();
    assert_eq!((priming.data.as_str(), priming.retry), ("", Some(1000)));
    // One standalone stream per session.
    assert_eq!(s.get().send().await.unwrap().status(), 409);
    // GET needs text/event-stream.
    let res = client()
        .get(&server.url)
        .header("accept", "application/json")
        .header("mcp-session-id", &s.id)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 406);
    // DELETE ends the session and its streams.
    let res = client()
        .delete(&server.url)
        .header("mcp-session-id", &s.id)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(stream.next().await, None);
    let res = s
        .call(1, "add", json!({"a": 1, "b": 1}), false)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = client()
        .delete(&server.url)
        .header("mcp-session-id", &s.id)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = client().delete(&server.url).send().await.unwrap();
    assert_eq!(res.status(), 400);

    let off =
        TestServer::with_config(HttpConfig::default().configure(|c| c.enable_get_stream = false))
            .await;
    let s = Session::open(&off.url).await;
    let res = s.get().send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "POST, DELETE");
}

#[tokio::test]
async fn idle_sessions_expire_and_the_session_cap_holds() {
    let config = HttpConfig::default().configure(|c| {
        c.session_idle_timeout = Duration::from_millis(50);
        c.max_sessions = 1;
    });
    let server = TestServer::with_config(config).await;
    let s = Session::open(&server.url).await;
    // Wait (without asserting on timing) until the reaper has expired the session.
    let mut pause = Duration::from_millis(100);
    let status = loop {
        // Each probe counts as use, so wait longer than the idle timeout between probes.
        tokio::time::sleep(pause).await;
        pause *= 2;
        let res = s
            .call(1, "add", json!({"a": 1, "b": 1}), false)
            .send()
            .await
            .unwrap();
        if res.status() != 200 {
            break res.status();
        }
    };
    assert_eq!(status, 404);

    // The cap: a second live session is refused while the first is busy.
    let config = HttpConfig::default().configure(|c| c.max_sessions = 1);
    let server = TestServer::with_config(config).await;
    let _s = Session::open(&server.url).await;
    let init = json!({"jsonrpc": "2.0", "id": 9, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let res = post(&server.url, &init, &[]).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.json::<Value>().await.unwrap()["id"], 9);
}

#[tokio::test]
async fn a_failed_initialize_creates_no_session() {
    // One session at most, never evicted: a failed `initialize` that kept its slot would
    // lock the next client out.
    let config = HttpConfig::default().configure(|c| {
        c.max_sessions = 1;
        c.session_cap_policy = mcpserve::http::SessionCapPolicy::Refuse;
    });
    let server = TestServer::with_config(config).await;
    let init =
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}});
    let res = post(&server.url, &init, &[]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // No session, so no id to hand out.
    assert!(res.headers().get("mcp-session-id").is_none());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32602);
    let s = Session::open(&server.url).await;
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    assert_eq!(s.post(&list).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_resumed_stream_takes_over_and_the_old_connection_gets_nothing_more() {
    let server = TestServer::start().await;
    let s = Session::open(&server.url).await;
    let res = s
        .call(1, "stepped", json!({"gate": "take-over"}), true)
        .send()
        .await
        .unwrap();
    let mut original = SseReader::new(res);
    original.next().await.unwrap(); // priming
    let first = original.next().await.unwrap();
    // Resume while the original connection is still open.
    let res = s
        .get()
        .header("last-event-id", first.id.clone().unwrap())
        .send()
        .await
        .unwrap();
    let mut resumed = SseReader::new(res);
    gate("take-over").notify_one();
    assert_eq!(
        summarize(&resumed.rest().await),
        ["progress 2", "progress 3", "result 1 done"]
    );
    assert_eq!(
        original.rest().await,
        vec![],
        "an event went out on two streams"
    );
}

#[tokio::test]
async fn notifications_cancelled_cancels_a_running_request() {
    let server = TestServer::start().await;
    let s = Session::open(&server.url).await;
    let call = s
        .call(
            42,
            "until_cancelled",
            json!({"gate": "session-cancel"}),
            false,
        )
        .send();
    let pending = tokio::spawn(call);
    gate("session-cancel-started").notified().await;
    let cancel =
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 42}});
    assert_eq!(s.post(&cancel).send().await.unwrap().status(), 202);
    gate("session-cancel-cancelled").notified().await;
    // A cancelled request gets no JSON-RPC response.
    let res = pending.await.unwrap().unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(res.text().await.unwrap(), "");
}
