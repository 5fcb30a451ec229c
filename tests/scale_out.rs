//! Scale-out: instances of `examples/http.rs --redis` sharing one real Redis, driven
//! directly (to pick which instance serves what) and through a real haproxy balancing
//! round-robin. Needs `redis-server` and `haproxy` (skips with a notice otherwise;
//! fails under `CI=true`).
#![cfg(feature = "redis")]

mod common;
mod http_common;
mod scale_common;

use std::time::Duration;

use http_common::{Session, SseReader};
use mcpserve::stores::RedisStores;
use scale_common::Cluster;
use serde_json::{json, Value};

/// The same session, addressed through another instance.
fn on(session: &Session, url: &str) -> Session {
    Session {
        url: url.to_owned(),
        id: session.id.clone(),
        version: session.version.clone(),
    }
}

/// `initialize` (declaring elicitation) and `notifications/initialized` at `url`.
async fn open(url: &str) -> Session {
    let res = http_common::post(url, &http_common::initialize_request(0), &[])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let s = Session {
        url: url.to_owned(),
        id: res.headers()["mcp-session-id"].to_str().unwrap().to_owned(),
        version: "2025-11-25".into(),
    };
    let init = reply(res).await;
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(s.post(&note).send().await.unwrap().status(), 202);
    s
}

/// The JSON-RPC response of a request (JSON or SSE reply).
async fn reply(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), 200, "{:?}", res.headers());
    let sse = res.headers()["content-type"] == "text/event-stream";
    if !sse {
        return res.json().await.unwrap();
    }
    let events = SseReader::new(res).rest().await;
    events
        .iter()
        .map(|e| e.json())
        .find(|m| m.get("result").is_some() || m.get("error").is_some())
        .expect("a response on the stream")
}

async fn add(session: &Session, id: i64) -> Value {
    reply(
        session
            .call(id, "add", json!({"a": id, "b": 1}), false)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_created_on_one_instance_is_used_on_every_other_and_deleted_everywhere() {
    let Some(cluster) = Cluster::start("scale_out::sessions", 3, false, &[]) else {
        return;
    };
    // `initialize` on instance 0, `notifications/initialized` on 1 (inside `open`'s
    // second POST we point at 0; re-send on 1 below), calls on every instance.
    let s0 = open(cluster.url(0)).await;
    for (i, url) in [cluster.url(1), cluster.url(2), cluster.url(0)]
        .iter()
        .enumerate()
    {
        let r = add(&on(&s0, url), i as i64 + 1).await;
        assert_eq!(
            r["result"]["content"][0]["text"],
            (i + 2).to_string(),
            "{r}"
        );
    }
    // DELETE on instance 1 ends it on 0 and 2 too.
    let res = on(&s0, cluster.url(1)).post(&json!({})).build().unwrap();
    let res = http_common::client()
        .delete(res.url().clone())
        .headers(res.headers().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    for url in [cluster.url(0), cluster.url(2), cluster.url(1)] {
        let res = on(&s0, url)
            .call(9, "add", json!({"a": 1, "b": 1}), false)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "deleted session still served by {url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_elicitation_answered_through_another_instance_reaches_the_waiting_handler() {
    let Some(cluster) = Cluster::start("scale_out::elicitation", 2, false, &[]) else {
        return;
    };
    let s = open(cluster.url(0)).await;
    let res = s
        .call(1, "greet_me", json!({}), false)
        .send()
        .await
        .unwrap();
    let mut stream = SseReader::new(res);
    let ask = loop {
        let e = stream.next().await.expect("the elicitation request");
        if !e.data.is_empty() {
            break e.json();
        }
    };
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"name": "Ada"}}});
    let res = on(&s, cluster.url(1)).post(&answer).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let rest = stream.rest().await;
    let last = rest.last().expect("the tool's response").json();
    assert_eq!(last["id"], 1);
    assert_eq!(
        last["result"]["content"][0]["text"], "Hello, Ada!",
        "{last}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_sent_to_another_instance_stops_the_request() {
    let Some(cluster) = Cluster::start("scale_out::cancel", 2, false, &[]) else {
        return;
    };
    let s = open(cluster.url(0)).await;
    let res = s
        .call(7, "count_slowly", json!({"to": 100, "pace_ms": 100}), true)
        .send()
        .await
        .unwrap();
    let mut stream = SseReader::new(res);
    // Wait until it runs (its first progress notification).
    loop {
        let e = stream.next().await.expect("progress");
        if e.data.contains("notifications/progress") {
            break;
        }
    }
    let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 7, "reason": "changed my mind"}});
    let res = on(&s, cluster.url(1)).post(&cancel).send().await.unwrap();
    assert_eq!(res.status(), 202);
    // The stream ends without a response (a cancelled request gets none) long before
    // the 10 s the count would take.
    let rest = tokio::time::timeout(Duration::from_secs(5), stream.rest())
        .await
        .expect("the cancelled request ended");
    assert!(
        rest.iter().all(|e| !e.data.contains("\"result\"")),
        "{rest:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cap_counts_sessions_on_every_instance() {
    let extra = ["--max-sessions", "2"];
    let Some(cluster) = Cluster::start("scale_out::cap", 2, false, &extra) else {
        return;
    };
    let _a = open(cluster.url(0)).await;
    let _b = open(cluster.url(1)).await;
    // Both idle less than the eviction minimum (60 s): a third is refused anywhere.
    for url in [cluster.url(0), cluster.url(1)] {
        let res = http_common::post(url, &http_common::initialize_request(1), &[])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 503, "{url}");
        assert!(res.headers().contains_key("retry-after"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_robin_behind_haproxy_serves_one_session() {
    let Some(cluster) = Cluster::start("scale_out::haproxy", 3, true, &[]) else {
        return;
    };
    let url = cluster.balanced_url();
    let s = open(url).await;
    for id in 1..=6 {
        let r = add(&s, id).await;
        assert_eq!(
            r["result"]["content"][0]["text"],
            (id + 1).to_string(),
            "{r}"
        );
    }
    // The elicitation and its answer take different instances (round-robin, one
    // request at a time).
    let res = s
        .call(10, "greet_me", json!({}), false)
        .send()
        .await
        .unwrap();
    let mut stream = SseReader::new(res);
    let ask = loop {
        let e = stream.next().await.expect("the elicitation request");
        if !e.data.is_empty() {
            break e.json();
        }
    };
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"name": "Grace"}}});
    assert_eq!(s.post(&answer).send().await.unwrap().status(), 202);
    let last = stream.rest().await.last().expect("response").json();
    assert_eq!(
        last["result"]["content"][0]["text"], "Hello, Grace!",
        "{last}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_task_store_keeps_the_task_store_contract() {
    let Some(bin) = scale_common::redis_server("scale_out::task_store_contract") else {
        return;
    };
    let redis = scale_common::Redis::start(&bin);
    let stores = RedisStores::connect(&redis.url).await.unwrap();
    mcpserve::tasks::check_task_store(&stores.tasks()).await;
}
