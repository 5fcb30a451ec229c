//! Fair limits: one session (or principal) cannot take every request slot, a session-era
//! request that waits on a client who went away is cancelled, and session-era load never
//! starves the 2026-07-28 path.

mod http_common;

use std::time::Duration;

use http_common::{client, gate, initialize_request, post, post_2026, SseReader, TestServer};
use mcpserve::http::FairnessKey;
use mcpserve::prelude::*;
use mcpserve::{Elicit, Elicitation, HttpConfig};
use serde_json::{json, Value};

#[derive(Deserialize, JsonSchema, Elicit)]
struct Answer {
    answer: String,
}

/// Asks the client a question it never answers; notifies `{gate}-cancelled` when the
/// wait ends because the request was cancelled.
#[tool]
async fn ask_forever(ctx: Context, gate: String) -> Result<String, Error> {
    let asked = ctx.elicit::<Answer>("Anything?").await;
    if ctx.is_cancelled() {
        http_common::gate(&format!("{gate}-cancelled")).notify_one();
    }
    match asked? {
        Elicitation::Accepted(a) => Ok(a.answer),
        _ => Ok("no answer".into()),
    }
}

/// An elicitation-capable session-era session.
async fn open(url: &str) -> (String, [(&'static str, String); 2]) {
    let res = post(url, &initialize_request(0), &[]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let sid = res.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    res.text().await.unwrap();
    let headers = [
        ("mcp-session-id", sid.clone()),
        ("mcp-protocol-version", "2025-11-25".to_owned()),
    ];
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let res = post(url, &initialized, &borrow(&headers))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    (sid, headers)
}

fn borrow<'a>(headers: &'a [(&'static str, String); 2]) -> [(&'static str, &'a str); 2] {
    [
        (headers[0].0, headers[0].1.as_str()),
        (headers[1].0, headers[1].1.as_str()),
    ]
}

fn call(id: i64, tool: &str, args: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": tool, "arguments": args}})
}

/// Starts a call that elicits, reads up to the `elicitation/create` request, and drops
/// the connection. Returns the HTTP status when the call was refused instead.
async fn ask_and_vanish(url: &str, headers: &[(&str, &str)], id: i64, gate: &str) -> u16 {
    let res = post(
        url,
        &call(id, "ask_forever", json!({"gate": gate})),
        headers,
    )
    .send()
    .await
    .unwrap();
    if res.status() != 200 {
        return res.status().as_u16();
    }
    let mut sse = SseReader::new(res);
    loop {
        let event = sse.next().await.expect("the elicitation request");
        if !event.data.is_empty() {
            assert_eq!(event.json()["method"], "elicitation/create");
            break;
        }
    }
    drop(sse);
    200
}

async fn add_2026(url: &str, id: i64) -> (u16, Value) {
    let res = post_2026(
        url,
        id,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
    )
    .await;
    (res.status().as_u16(), res.json().await.unwrap())
}

fn sum_5(id: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": {
        "content": [{"type": "text", "text": "5"}], "resultType": "complete"}})
}

/// The attack, with the default configuration: one session starts 1,100 calls
/// that wait on an elicitation and drops each connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_session_waiting_on_itself_cannot_starve_anyone() {
    if !http_common::enough_files_or_skip(4_096) {
        return;
    }
    let server = TestServer::start().await;
    let (_, headers) = open(&server.url).await;
    let attack = (0..1_100).map(|i| {
        let (url, headers) = (server.url.clone(), headers.clone());
        tokio::spawn(async move { ask_and_vanish(&url, &borrow(&headers), i, "attack").await })
    });
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for a in attack {
        *statuses.entry(a.await.unwrap()).or_default() += 1;
    }
    // The session got its share (64 at a time; more once dropped ones are cancelled),
    // and every other call was refused as this session's, not the server's, overload.
    assert!(
        statuses.keys().all(|s| [200, 429].contains(s))
            && statuses.get(&200) >= Some(&64)
            && statuses.contains_key(&429),
        "statuses: {statuses:?}"
    );
    // A 2026 client is served.
    assert_eq!(add_2026(&server.url, 1).await, (200, sum_5(1)));
    // So is another session-era client.
    let (_, other) = open(&server.url).await;
    let res = post(
        &server.url,
        &call(2, "add", json!({"a": 2, "b": 3})),
        &borrow(&other),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_request_waiting_on_a_client_that_went_away_is_cancelled() {
    let config = HttpConfig::default().configure(|c| {
        c.detached_client_wait = Duration::from_millis(100);
        c.max_requests_per_session = 1;
    });
    let server = TestServer::with_config(config).await;
    let (_, headers) = open(&server.url).await;
    let status = ask_and_vanish(&server.url, &borrow(&headers), 1, "vanished").await;
    assert_eq!(status, 200);
    // Cancelled long before `client_request_timeout` (60 s) would end the wait.
    tokio::time::timeout(
        Duration::from_secs(20),
        gate("vanished-cancelled").notified(),
    )
    .await
    .expect("the waiting request was cancelled");
    // Its slot is free again (the session may run one request at a time).
    let mut freed = false;
    for id in 2..200 {
        let res = post(
            &server.url,
            &call(id, "add", json!({"a": 2, "b": 3})),
            &borrow(&headers),
        )
        .send()
        .await
        .unwrap();
        if res.status() == 200 {
            freed = true;
            break;
        }
        assert_eq!(res.status(), 429);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(freed, "the session's slot was never released");
}

#[tokio::test]
async fn a_waiting_request_survives_when_its_client_resumes_the_stream() {
    let config = HttpConfig::default().configure(|c| {
        c.detached_client_wait = Duration::from_millis(300);
    });
    let server = TestServer::with_config(config).await;
    let (_, headers) = open(&server.url).await;
    let res = post(
        &server.url,
        &call(1, "ask_forever", json!({"gate": "resumed"})),
        &borrow(&headers),
    )
    .send()
    .await
    .unwrap();
    let mut sse = SseReader::new(res);
    let priming = sse.next().await.unwrap();
    let ask = sse.next().await.unwrap();
    assert_eq!(ask.json()["method"], "elicitation/create");
    drop(sse);
    // The client comes back at once and answers.
    let res = client()
        .get(&server.url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &headers[0].1)
        .header("mcp-protocol-version", "2025-11-25")
        .header("last-event-id", priming.id.unwrap())
        .send()
        .await
        .unwrap();
    let mut resumed = SseReader::new(res);
    let again = resumed.next().await.unwrap();
    assert_eq!(again.json(), ask.json());
    tokio::time::sleep(Duration::from_millis(600)).await;
    let answer = json!({"jsonrpc": "2.0", "id": ask.json()["id"],
        "result": {"action": "accept", "content": {"answer": "here"}}});
    let res = post(&server.url, &answer, &borrow(&headers))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let reply = resumed.next().await.unwrap().json();
    assert_eq!(reply["result"]["content"][0]["text"], "here");
}

#[tokio::test]
async fn the_per_session_cap_answers_429_and_leaves_others_alone() {
    let config = HttpConfig::default().configure(|c| c.max_requests_per_session = 2);
    let server = TestServer::with_config(config).await;
    let (_, headers) = open(&server.url).await;
    let held: Vec<_> = (1..=2)
        .map(|i| {
            let (url, headers) = (server.url.clone(), headers.clone());
            tokio::spawn(async move {
                post(
                    &url,
                    &call(i, "held", json!({"gate": format!("per-session-{i}")})),
                    &borrow(&headers),
                )
                .send()
                .await
                .unwrap()
            })
        })
        .collect();
    gate("per-session-1-started").notified().await;
    gate("per-session-2-started").notified().await;
    let res = post(
        &server.url,
        &call(3, "add", json!({"a": 2, "b": 3})),
        &borrow(&headers),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "1");
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"jsonrpc": "2.0", "id": 3, "error": {"code": -32603, "message":
            "Too Many Requests: this session already has 2 requests in progress"}})
    );
    // Another session and a 2026 client are not affected.
    let (_, other) = open(&server.url).await;
    let res = post(
        &server.url,
        &call(4, "add", json!({"a": 2, "b": 3})),
        &borrow(&other),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(add_2026(&server.url, 5).await, (200, sum_5(5)));
    gate("per-session-1").notify_one();
    gate("per-session-2").notify_one();
    for h in held {
        assert_eq!(h.await.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn session_era_load_cannot_take_the_capacity_reserved_for_2026() {
    let config = HttpConfig::default().configure(|c| {
        c.max_concurrent_requests = 4;
        c.reserved_sessionless_requests = 2;
    });
    let server = TestServer::with_config(config).await;
    // `initialize` takes a slot too: open every session first.
    let mut sessions = Vec::new();
    for _ in 0..3 {
        sessions.push(open(&server.url).await.1);
    }
    let third = sessions.pop().unwrap();
    let mut held = Vec::new();
    for (i, headers) in (1..=2).zip(sessions) {
        let url = server.url.clone();
        held.push(tokio::spawn(async move {
            post(
                &url,
                &call(i, "held", json!({"gate": format!("reserve-{i}")})),
                &borrow(&headers),
            )
            .send()
            .await
            .unwrap()
        }));
        gate(&format!("reserve-{i}-started")).notified().await;
    }
    // The session era has used its two slots.
    let res = post(
        &server.url,
        &call(3, "add", json!({"a": 2, "b": 3})),
        &borrow(&third),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"jsonrpc": "2.0", "id": 3, "error": {"code": -32603, "message":
            "Service Unavailable: too many requests in progress"}})
    );
    // The 2026 path still has its own.
    assert_eq!(add_2026(&server.url, 4).await, (200, sum_5(4)));
    gate("reserve-1").notify_one();
    gate("reserve-2").notify_one();
    for h in held {
        assert_eq!(h.await.unwrap().status(), 200);
    }
}

/// A layer in front of the service names the principal (the authorization layer does
/// this with the token's subject); here a test header does.
#[tokio::test]
async fn a_fairness_key_caps_each_principal() {
    let config = HttpConfig::default().configure(|c| c.max_requests_per_principal = 1);
    let service = http_common::service(config);
    let app =
        axum::Router::new()
            .nest_service("/mcp", service)
            .layer(axum::middleware::map_request(
                |mut req: axum::extract::Request| async move {
                    if let Some(user) = req.headers().get("x-test-user") {
                        let key = FairnessKey::new(user.to_str().unwrap());
                        req.extensions_mut().insert(key);
                    }
                    req
                },
            ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    one_share_each(&url, "x-test-user", ["alice", "bob"], "principal").await;
}

/// A 2026-07-28 `tools/call` sent with the header `who` (naming the caller).
async fn call_as(url: String, who: (&'static str, String), id: i64, mut params: Value) -> u16 {
    params["_meta"] = http_common::meta();
    let name = params["name"].as_str().unwrap().to_owned();
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params});
    let headers = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", &name),
        (who.0, &who.1),
    ];
    let res = post(&url, &body, &headers).send().await.unwrap();
    let status = res.status().as_u16();
    if status == 429 {
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message":
                "Too Many Requests: this client already has 1 request in progress"}})
        );
    }
    status
}

/// With one request per principal: while the first caller's call is held at `gate`, its
/// next call gets 429 and the second caller's is answered.
async fn one_share_each(url: &str, header: &'static str, callers: [&str; 2], gate: &str) {
    let as_caller =
        |caller: &str, id, params| call_as(url.to_owned(), (header, caller.to_owned()), id, params);
    let held = tokio::spawn(as_caller(
        callers[0],
        1,
        json!({"name": "held", "arguments": {"gate": gate}}),
    ));
    http_common::gate(&format!("{gate}-started"))
        .notified()
        .await;
    let add = json!({"name": "add", "arguments": {"a": 2, "b": 3}});
    assert_eq!(as_caller(callers[0], 2, add.clone()).await, 429);
    assert_eq!(as_caller(callers[1], 3, add).await, 200);
    http_common::gate(gate).notify_one();
    assert_eq!(held.await.unwrap(), 200);
}

/// Tokens `token-NAME` stand for the principal NAME.
struct NamedTokens {
    audience: String,
}

impl mcpserve::auth::TokenVerifier for NamedTokens {
    async fn verify(&self, token: &str) -> Result<mcpserve::Principal, mcpserve::auth::TokenError> {
        let name = token
            .strip_prefix("token-")
            .ok_or(mcpserve::auth::TokenError::Malformed("not a test token"))?;
        Ok(mcpserve::Principal::builder(name)
            .audience(&self.audience)
            .build())
    }
}

/// With `HttpConfig::auth`, each authenticated principal has its own share: no layer
/// needed.
#[tokio::test]
async fn each_authenticated_principal_gets_its_own_share() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let auth = mcpserve::Auth::verifier(NamedTokens {
        audience: url.clone(),
    })
    .resource(&url)
    .authorization_server("https://issuer.example");
    let config = HttpConfig::default()
        .auth(auth)
        .configure(|c| c.max_requests_per_principal = 1);
    let server = Server::from_registry().build().unwrap();
    tokio::spawn(server.serve_http_on(listener, config, std::future::pending()));
    let callers = ["Bearer token-carol", "Bearer token-dave"];
    one_share_each(&url, "authorization", callers, "authenticated").await;
}
