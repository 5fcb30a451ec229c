//! The session cap under pressure: `initialize` never hands out an id it did not store,
//! and a full server either makes room (least recently used idle session) or says how
//! long to wait, per `HttpConfig::session_cap_policy`.

mod http_common;

use std::collections::HashMap;
use std::time::Duration;

use http_common::{initialize_request, post, Session, TestServer};
use mcpserve::http::SessionCapPolicy;
use mcpserve::HttpConfig;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn list(id: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"})
}

/// The 503 body of a refused `initialize`.
fn too_many_sessions(id: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {
        "code": -32603, "message": "Service Unavailable: too many sessions"}})
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A raw HTTP/1.1 exchange: the status, the headers (lowercase names) and the body.
async fn read_response(stream: &mut TcpStream) -> (u16, HashMap<String, String>, Value) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed before a response");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    let len: usize = headers["content-length"].parse().unwrap();
    while buf.len() < head_end + len {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed mid-body");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buf[head_end..head_end + len]).unwrap();
    (status, headers, body)
}

// One thread, and every request written before the server reads any: all 32 reach
// `initialize` before the first reply is ready, the widest the race can be.
#[tokio::test(flavor = "current_thread")]
async fn concurrent_initializes_at_the_cap_hand_out_only_stored_sessions() {
    let config = HttpConfig::default().configure(|c| {
        c.max_sessions = 4;
        c.session_cap_policy = SessionCapPolicy::Refuse;
    });
    let server = TestServer::with_config(config).await;
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(Session::open(&server.url).await);
    }
    let freed = open.pop().unwrap();
    let res = http_common::client()
        .delete(&server.url)
        .header("mcp-session-id", &freed.id)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let mut conns = Vec::new();
    for _ in 0..32 {
        conns.push(TcpStream::connect(server.addr).await.unwrap());
    }
    // Let the server accept them all and wait for their requests.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for (i, conn) in conns.iter_mut().enumerate() {
        let body = initialize_request(100 + i as i64).to_string();
        let request = format!(
            "POST /mcp HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n\
             accept: application/json, text/event-stream\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        conn.write_all(request.as_bytes()).await.unwrap();
    }
    let mut created = Vec::new();
    let mut refused = 0;
    for (i, conn) in conns.iter_mut().enumerate() {
        let id = 100 + i as i64;
        let (status, headers, body) = read_response(conn).await;
        match status {
            200 => {
                assert_eq!(body["result"]["protocolVersion"], "2025-11-25");
                created.push(headers["mcp-session-id"].clone());
            }
            503 => {
                assert!(!headers.contains_key("mcp-session-id"));
                // The other sessions were used moments ago: the earliest can expire
                // after the idle timeout (30 min by default), not in a second.
                let wait: u64 = headers["retry-after"].parse().unwrap();
                assert!((1_700..=1_800).contains(&wait), "Retry-After: {wait}");
                assert_eq!(body, too_many_sessions(id));
                refused += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    // Every id handed out names a stored session.
    for sid in &created {
        let res = post(
            &server.url,
            &list(1),
            &[
                ("mcp-session-id", sid),
                ("mcp-protocol-version", "2025-11-25"),
            ],
        )
        .send()
        .await
        .unwrap();
        assert_eq!(
            res.status(),
            200,
            "session {sid} was handed out but not stored"
        );
        assert!(res.json::<Value>().await.unwrap()["result"]["tools"].is_array());
    }
    assert_eq!((created.len(), refused), (1, 31));
    // The earlier sessions are untouched.
    for s in &open {
        assert_eq!(s.post(&list(2)).send().await.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn refusing_at_the_cap_says_when_a_session_will_expire() {
    let config = HttpConfig::default().configure(|c| {
        c.max_sessions = 1;
        c.session_idle_timeout = Duration::from_secs(120);
        c.session_cap_policy = SessionCapPolicy::Refuse;
    });
    let server = TestServer::with_config(config).await;
    let s = Session::open(&server.url).await;
    let res = post(&server.url, &initialize_request(7), &[])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let wait = retry_after(&res);
    assert!((100..=120).contains(&wait), "Retry-After: {wait}");
    assert_eq!(res.json::<Value>().await.unwrap(), too_many_sessions(7));
    // Refusing evicts nothing.
    assert_eq!(s.post(&list(1)).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_full_server_evicts_the_least_recently_used_idle_session() {
    let config = HttpConfig::default().configure(|c| {
        c.max_sessions = 2;
        c.session_cap_policy = SessionCapPolicy::EvictIdle {
            min_idle: Duration::ZERO,
        };
    });
    let server = TestServer::with_config(config).await;
    let a = Session::open(&server.url).await;
    let b = Session::open(&server.url).await;
    // `a` was used last, so `b` is the least recently used.
    assert_eq!(a.post(&list(1)).send().await.unwrap().status(), 200);
    let c = Session::open(&server.url).await;
    assert_eq!(b.post(&list(2)).send().await.unwrap().status(), 404);
    assert_eq!(a.post(&list(3)).send().await.unwrap().status(), 200);
    assert_eq!(c.post(&list(4)).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn eviction_spares_sessions_idle_for_less_than_min_idle() {
    let config = HttpConfig::default().configure(|c| {
        c.max_sessions = 1;
        c.session_cap_policy = SessionCapPolicy::EvictIdle {
            min_idle: Duration::from_secs(90),
        };
    });
    let server = TestServer::with_config(config).await;
    let a = Session::open(&server.url).await;
    let res = post(&server.url, &initialize_request(5), &[])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    // `a` becomes evictable once it has been idle for 90 s.
    let wait = retry_after(&res);
    assert!((80..=90).contains(&wait), "Retry-After: {wait}");
    assert_eq!(res.json::<Value>().await.unwrap(), too_many_sessions(5));
    assert_eq!(a.post(&list(1)).send().await.unwrap().status(), 200);
}
