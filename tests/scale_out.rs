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

/// `count_slowly` (with progress) as request `id`: its SSE stream.
async fn counting(session: &Session, id: i64, to: u32, pace_ms: u64) -> SseReader {
    let args = json!({"to": to, "pace_ms": pace_ms});
    SseReader::new(
        session
            .call(id, "count_slowly", args, true)
            .send()
            .await
            .unwrap(),
    )
}

/// The first message on a stream (after its priming event).
async fn first_message(stream: &mut SseReader) -> Value {
    loop {
        let e = stream.next().await.expect("a message");
        if !e.data.is_empty() {
            return e.json();
        }
    }
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
    let ask = first_message(&mut stream).await;
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

/// `notifications/progress` from the client for the server-to-client request `token`.
fn client_progress(token: &Value, progress: u32, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {
        "progressToken": token, "progress": progress, "total": 2, "message": message}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_progress_sent_to_another_instance_reaches_the_waiting_handler() {
    let Some(cluster) = Cluster::start("scale_out::client_progress", 2, false, &[]) else {
        return;
    };
    let s = open(cluster.url(0)).await;
    let res = s.call(1, "welcome", json!({}), false).send().await.unwrap();
    let mut stream = SseReader::new(res);
    let ask = first_message(&mut stream).await;
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
    // The question carries a progress token: its own id.
    let token = ask["params"]["_meta"]["progressToken"].clone();
    assert_eq!(token, ask["id"], "{ask}");
    // The client reports progress, then answers, each POST on instance 1 (and a
    // repeated report, which must not count twice).
    let elsewhere = on(&s, cluster.url(1));
    for (p, said) in [(1, "reading"), (1, "reading"), (2, "typing")] {
        let note = client_progress(&token, p, said);
        assert_eq!(elsewhere.post(&note).send().await.unwrap().status(), 202);
    }
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"name": "Ada"}}});
    assert_eq!(elsewhere.post(&answer).send().await.unwrap().status(), 202);
    let rest = outline(&stream.rest().await);
    assert_eq!(
        rest,
        ["result Welcome, Ada! (heard: reading, typing)"],
        "the handler on instance 0 heard both reports, in order, once"
    );
}

/// `tasks/result` of `task` as request `id`: its SSE stream.
async fn task_result(session: &Session, id: i64, task: &str) -> SseReader {
    let req = json!({"jsonrpc": "2.0", "id": id, "method": "tasks/result",
        "params": {"taskId": task}});
    let res = session.post(&req).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    SseReader::new(res)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_asks_through_tasks_result_on_another_instance_and_hears_the_answer_from_a_third() {
    let Some(cluster) = Cluster::start("scale_out::task_input", 3, false, &[]) else {
        return;
    };
    let s = open(cluster.url(0)).await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "welcome", "arguments": {}, "task": {"ttl": 60000}}});
    let created = reply(s.post(&call).send().await.unwrap()).await;
    let task = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    // The task (running on instance 0) asks; instance 1 serves `tasks/result`.
    let mut result = task_result(&on(&s, cluster.url(1)), 2, &task).await;
    let ask = first_message(&mut result).await;
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
    assert_eq!(
        ask["params"]["_meta"]["io.modelcontextprotocol/related-task"],
        json!({"taskId": task}),
        "{ask}"
    );
    assert_eq!(ask["params"]["message"], "What is your name?", "{ask}");
    let r = task_status(&on(&s, cluster.url(2)), 3, &task).await;
    assert_eq!(r["result"]["status"], "input_required", "{r}");
    // Progress and the answer through instance 2.
    let token = ask["params"]["_meta"]["progressToken"].clone();
    let elsewhere = on(&s, cluster.url(2));
    let note = client_progress(&token, 1, "thinking");
    assert_eq!(elsewhere.post(&note).send().await.unwrap().status(), 202);
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"name": "Lin"}}});
    assert_eq!(elsewhere.post(&answer).send().await.unwrap().status(), 202);
    let rest = tokio::time::timeout(Duration::from_secs(10), result.rest())
        .await
        .expect("tasks/result answers once the task ends");
    let messages: Vec<Value> = rest
        .iter()
        .filter(|e| !e.data.is_empty())
        .map(|e| e.json())
        .collect();
    let last = messages.last().expect("the task's result");
    assert_eq!(last["id"], 2, "{last}");
    assert_eq!(
        last["result"]["content"][0]["text"], "Welcome, Lin! (heard: thinking)",
        "{last}"
    );
    assert_eq!(
        last["result"]["_meta"]["io.modelcontextprotocol/related-task"],
        json!({"taskId": task})
    );
    assert!(
        messages.iter().all(|m| m["method"] != "elicitation/create"),
        "the question is not asked twice on one stream: {messages:?}"
    );
    for i in 0..3 {
        let r = task_status(&on(&s, cluster.url(i)), 10 + i as i64, &task).await;
        assert_eq!(r["result"]["status"], "completed", "instance {i}: {r}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_sent_to_another_instance_stops_the_request() {
    let Some(cluster) = Cluster::start("scale_out::cancel", 2, false, &[]) else {
        return;
    };
    let s = open(cluster.url(0)).await;
    let mut stream = counting(&s, 7, 100, 100).await;
    // Wait until it runs (its first progress notification).
    until_progress(&mut stream, 1).await;
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
    let ask = first_message(&mut stream).await;
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

/// Progress counts and response texts (or error messages) of a list of events.
fn outline(events: &[http_common::Event]) -> Vec<String> {
    events
        .iter()
        .filter(|e| !e.data.is_empty())
        .map(|e| {
            let m = e.json();
            if m["method"] == "notifications/progress" {
                format!("progress {}", m["params"]["progress"])
            } else if let Some(text) = m["result"]["content"][0]["text"].as_str() {
                format!("result {text}")
            } else if let Some(message) = m["error"]["message"].as_str() {
                format!("error {message}")
            } else {
                m.to_string()
            }
        })
        .collect()
}

/// Reads until `n` progress notifications arrived; returns the events read.
async fn until_progress(stream: &mut SseReader, n: usize) -> Vec<http_common::Event> {
    let mut seen = Vec::new();
    while outline(&seen)
        .iter()
        .filter(|l| l.starts_with("progress"))
        .count()
        < n
    {
        seen.push(stream.next().await.expect("more progress"));
    }
    seen
}

fn resume(session: &Session, last_event_id: &str) -> reqwest::RequestBuilder {
    session.get().header("last-event-id", last_event_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_resumed_on_another_instance_gets_exactly_the_missed_events() {
    let Some(cluster) = Cluster::start("scale_out::resume", 2, false, &[]) else {
        return;
    };
    let s = open(cluster.url(0)).await;
    let mut stream = counting(&s, 3, 8, 150).await;
    let seen = until_progress(&mut stream, 2).await;
    drop(stream); // the connection drops
    let last = seen.last().unwrap().id.clone().expect("event ids");
    let res = resume(&on(&s, cluster.url(1)), &last).send().await.unwrap();
    let rest = SseReader::new(res).rest().await;
    let mut all = outline(&seen);
    all.extend(outline(&rest));
    let want: Vec<String> = (1..=8)
        .map(|i| format!("progress {i}"))
        .chain(["result counted to 8".to_owned()])
        .collect();
    assert_eq!(all, want, "every event exactly once, in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_an_instance_mid_stream_loses_nothing_and_the_lost_request_gets_its_error() {
    let extra = ["--lease-ms", "600"];
    let Some(mut cluster) = Cluster::start("scale_out::kill_stream", 3, false, &extra) else {
        return;
    };
    let s = open(cluster.url(0)).await;
    let mut stream = counting(&s, 4, 1000, 50).await;
    let seen = until_progress(&mut stream, 3).await;
    cluster.instances[0].proc.kill9();
    drop(stream); // its connection died with the instance
                  // Resumed elsewhere: what the dead instance stored after the last event read, then
                  // the error.
    let mut got = outline(&seen);
    let last = seen.last().and_then(|e| e.id.clone()).unwrap();
    let res = tokio::time::timeout(
        Duration::from_secs(10),
        resume(&on(&s, cluster.url(1)), &last).send(),
    )
    .await
    .expect("the resume answers")
    .unwrap();
    let resumed = tokio::time::timeout(Duration::from_secs(10), SseReader::new(res).rest())
        .await
        .expect("the stream ends once the dead instance's lease lapses");
    got.extend(outline(&resumed));
    let error = got.pop().unwrap();
    assert!(
        error.starts_with("error The server instance handling this request stopped"),
        "{error}"
    );
    let counts: Vec<String> = (1..=got.len()).map(|i| format!("progress {i}")).collect();
    assert_eq!(got, counts, "nothing lost or repeated before the error");
    assert!(got.len() >= 3);
    // The others keep serving the session.
    let r = add(&on(&s, cluster.url(2)), 5).await;
    assert_eq!(r["result"]["content"][0]["text"], "6", "{r}");
}

async fn task_status(session: &Session, id: i64, task: &str) -> Value {
    let get =
        json!({"jsonrpc": "2.0", "id": id, "method": "tasks/get", "params": {"taskId": task}});
    reply(session.post(&get).send().await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_is_read_on_every_instance_and_fails_once_its_instance_dies() {
    let extra = ["--lease-ms", "600"];
    let Some(mut cluster) = Cluster::start("scale_out::tasks", 3, false, &extra) else {
        return;
    };
    let s = open(cluster.url(0)).await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "count_slowly", "arguments": {"to": 1000, "pace_ms": 50},
        "task": {"ttl": 60000}}});
    let created = reply(s.post(&call).send().await.unwrap()).await;
    let task = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    for i in 1..3 {
        let r = task_status(&on(&s, cluster.url(i)), 10 + i as i64, &task).await;
        assert_eq!(r["result"]["status"], "working", "instance {i}: {r}");
    }
    cluster.instances[0].proc.kill9();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let failed = loop {
        let r = task_status(&on(&s, cluster.url(1)), 20, &task).await;
        if r["result"]["status"] != "working" {
            break r;
        }
        assert!(std::time::Instant::now() < deadline, "still working: {r}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(failed["result"]["status"], "failed", "{failed}");
    assert_eq!(
        failed["result"]["statusMessage"], "The server instance running this task stopped",
        "{failed}"
    );
    let r = task_status(&on(&s, cluster.url(2)), 21, &task).await;
    assert_eq!(
        r["result"]["status"], "failed",
        "the same on every instance: {r}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_change_reaches_subscribers_on_every_other_instance() {
    let Some(cluster) = Cluster::start("scale_out::notifications", 3, false, &[]) else {
        return;
    };
    // A session-era client listening on instance 1's standalone stream...
    let s = open(cluster.url(0)).await;
    let listener = on(&s, cluster.url(1));
    let mut standalone = SseReader::new(listener.get().send().await.unwrap());
    let prime = standalone.next().await.unwrap();
    assert!(prime.data.is_empty(), "priming event first: {prime:?}");
    // ...and a 2026 `subscriptions/listen` on instance 2.
    let listen = json!({"jsonrpc": "2.0", "id": 9, "method": "subscriptions/listen", "params": {
        "_meta": http_common::meta(), "notifications": {"toolsListChanged": true}}});
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "subscriptions/listen"),
    ];
    let mut subscription = SseReader::new(
        http_common::post(cluster.url(2), &listen, &headers)
            .send()
            .await
            .unwrap(),
    );
    let ack = subscription.next().await.unwrap().json();
    assert_eq!(
        ack["method"], "notifications/subscriptions/acknowledged",
        "{ack}"
    );
    // The change happens on instance 0 (another client's call).
    let other = open(cluster.url(0)).await;
    let r = reply(
        other
            .call(1, "touch_tools", json!({}), false)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r["result"]["content"][0]["text"], "announced", "{r}");
    let wait = Duration::from_secs(5);
    let got = tokio::time::timeout(wait, standalone.next())
        .await
        .expect("the standalone stream on instance 1 hears it")
        .unwrap()
        .json();
    assert_eq!(
        got,
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {}})
    );
    let got = tokio::time::timeout(wait, subscription.next())
        .await
        .expect("the subscription on instance 2 hears it")
        .unwrap()
        .json();
    assert_eq!(got["method"], "notifications/tools/list_changed", "{got}");
    assert_eq!(
        got["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"],
        9
    );
}

/// Runs a Python scale client (`tests/clients/…`) with `python` through haproxy over
/// three instances (a 2 s lease, so a killed instance's work fails soon), allowed to kill
/// them; checks its report.
async fn python_scale_client(test: &str, python: std::ffi::OsString, script: &str) {
    let extra = ["--lease-ms", "2000"];
    let Some(cluster) = Cluster::start(test, 3, true, &extra) else {
        return;
    };
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let url = cluster.balanced_url().to_owned();
    let pids: Vec<String> = cluster
        .instances
        .iter()
        .map(|i| i.proc.pid().to_string())
        .collect();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .args(["--timeout", "60", "--kill-pids", &pids.join(",")])
            .arg(&url)
            .output()
            .expect("could not run the Python")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the Python client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    assert!(stdout.contains("killed instance pid"), "{stdout}");
}

/// The official Python SDK 2.x through haproxy over three instances: see
/// `tests/clients/python_scale_client.py` for what it checks (kill -9 mid-stream too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_through_haproxy_over_three_instances() {
    let test = "scale_out::python_sdk";
    let Some(python) = common::skip::python(test) else {
        return;
    };
    python_scale_client(test, python, "tests/clients/python_scale_client.py").await;
}

/// The official Python SDK 1.x tasks client through haproxy over three instances: see
/// `tests/clients/python_scale_tasks_client.py` (kill -9 mid-task too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_sdk_1x_tasks_client_through_haproxy_over_three_instances() {
    let test = "scale_out::python_sdk_1x_tasks";
    let Some(python) = common::skip::python1(test) else {
        return;
    };
    python_scale_client(test, python, "tests/clients/python_scale_tasks_client.py").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_session_requests_get_503_the_2026_era_keeps_working_and_service_recovers()
{
    let test = "scale_out::redis_down";
    let Some(bin) = scale_common::redis_server(test) else {
        return;
    };
    let Some(mut cluster) = Cluster::start(test, 1, false, &[]) else {
        return;
    };
    let url = cluster.url(0).to_owned();
    let s = open(&url).await;
    assert_eq!(add(&s, 1).await["result"]["content"][0]["text"], "2");
    let port = cluster.redis.port;
    cluster.redis.proc.kill9();

    let res = s
        .call(2, "add", json!({"a": 1, "b": 1}), false)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "Service Unavailable: the session store cannot be reached"
    );
    let res = http_common::post(&url, &http_common::initialize_request(3), &[])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503, "no new session without the store");
    // The 2026 era keeps no session: Redis is not on its path.
    let res = http_common::post_2026(
        &url,
        4,
        "tools/call",
        json!({"name": "add",
        "arguments": {"a": 2, "b": 2}}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["result"]["content"][0]["text"], "4", "{body}");

    // Redis returns (empty: no persistence here): new sessions work again.
    cluster.redis = scale_common::Redis::start_on(&bin, port);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let res = http_common::post(&url, &http_common::initialize_request(5), &[])
            .send()
            .await
            .unwrap();
        if res.status() == 200 {
            break;
        }
        assert_eq!(res.status(), 503);
        assert!(std::time::Instant::now() < deadline, "no recovery");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let again = open(&url).await;
    assert_eq!(add(&again, 6).await["result"]["content"][0]["text"], "7");
    // The old session lived only in the Redis that was lost.
    let res = s
        .call(7, "add", json!({"a": 1, "b": 1}), false)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires_on_every_instance() {
    let extra = ["--session-idle-ms", "700"];
    let Some(cluster) = Cluster::start("scale_out::idle", 2, false, &extra) else {
        return;
    };
    let s = open(cluster.url(0)).await;
    // Used on both, so both hold a copy.
    assert_eq!(
        add(&on(&s, cluster.url(1)), 1).await["result"]["content"][0]["text"],
        "2"
    );
    assert_eq!(add(&s, 2).await["result"]["content"][0]["text"], "3");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for url in [cluster.url(1), cluster.url(0)] {
        let res = on(&s, url)
            .call(3, "add", json!({"a": 1, "b": 1}), false)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{url} still serves an expired session");
    }
}

#[test]
fn the_readme_shows_the_balancer_config_the_tests_run() {
    let readme = include_str!("../README.md");
    assert!(
        readme.contains(&format!("```text\n{}```", scale_common::HAPROXY_CFG)),
        "README \"Running several instances\" must show examples/haproxy.cfg verbatim"
    );
    let cfg = scale_common::haproxy_cfg(9000, &[9001, 9002, 9003]);
    assert!(cfg.contains("  bind 127.0.0.1:9000\n"), "{cfg}");
    assert!(
        cfg.contains("  server b 127.0.0.1:9002 check inter 500ms\n"),
        "{cfg}"
    );
}
