//! Connections a client stalls or leaves idle are closed, and a cap on open connections
//! keeps the server reachable: 5,000 connections that send one byte and stop do not
//! lock anyone out.

mod common;
mod http_common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use http_common::{post_2026, TestServer};
use mcpserve::HttpConfig;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Bound on waiting for the server to act; only a broken server reaches it.
const WAIT: Duration = Duration::from_secs(20);

/// Reads until the server closes the connection; returns what it sent.
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(WAIT, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server kept the connection open; it sent {:?}",
        String::from_utf8_lossy(&seen)
    );
    seen
}

fn add_body() -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "add", "arguments": {"a": 2, "b": 3},
        "_meta": http_common::meta()}})
    .to_string()
}

fn request_head(host: &str, content_length: usize) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n\
         accept: application/json, text/event-stream\r\nmcp-protocol-version: 2026-07-28\r\n\
         mcp-method: tools/call\r\nmcp-name: add\r\ncontent-length: {content_length}\r\n\r\n"
    )
}

async fn sum(url: &str) -> (u16, Value) {
    let res = post_2026(
        url,
        1,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 2, "b": 3}}),
    )
    .await;
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_stalled_connections_leave_the_server_reachable() {
    if !http_common::enough_files_or_skip(6_000) {
        return;
    }
    // The issue's setting: the server process may hold 1,024 files, with the default
    // configuration.
    let bin = common::example_bin("http");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 1024 && exec '{}' --port 0 --stdin-shutdown",
            bin.display()
        ))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the http example");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("the example prints its URL")
        .to_owned();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_owned();

    let mut stalled = Vec::new();
    for _ in 0..10 {
        let batch = (0..500).map(|_| {
            let addr = addr.clone();
            tokio::spawn(async move {
                let mut s = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
                    .await
                    .ok()?
                    .ok()?;
                s.write_all(b"P").await.ok()?;
                Some(s)
            })
        });
        for c in batch.collect::<Vec<_>>() {
            stalled.extend(c.await.unwrap());
        }
    }
    let served = tokio::time::timeout(WAIT, sum(&url)).await;
    drop(child.stdin.take());
    let _ = child.wait();
    let (status, body) = served.expect("a normal request got no answer");
    assert_eq!(status, 200);
    assert_eq!(body["result"]["content"][0]["text"], "5");
    drop(stalled);
}

#[tokio::test]
async fn a_connection_that_stalls_in_its_headers_is_closed() {
    let config =
        HttpConfig::default().configure(|c| c.header_read_timeout = Duration::from_millis(200));
    let server = TestServer::with_config(config).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = request_head(&server.addr.to_string(), 10);
    stream.write_all(&head.as_bytes()[..40]).await.unwrap();
    assert_eq!(read_to_close(&mut stream).await, b"");
    // Others are still served.
    assert_eq!(sum(&server.url).await.0, 200);
}

#[tokio::test]
async fn a_body_that_stops_arriving_gets_408_and_the_connection_closes() {
    let config =
        HttpConfig::default().configure(|c| c.body_idle_timeout = Duration::from_millis(200));
    let server = TestServer::with_config(config).await;
    let body = add_body();
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = request_head(&server.addr.to_string(), body.len());
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..10]).await.unwrap();
    let answer = String::from_utf8(read_to_close(&mut stream).await).unwrap();
    let (head, json) = answer.split_once("\r\n\r\n").unwrap();
    assert!(
        head.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nconnection: close\r\n"), "{head}");
    assert_eq!(
        serde_json::from_str::<Value>(json).unwrap(),
        json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600,
            "message": "Request Timeout: the body did not arrive in time"}})
    );
}

#[tokio::test]
async fn a_body_trickled_slower_than_the_total_limit_gets_408() {
    let config = HttpConfig::default().configure(|c| {
        c.body_idle_timeout = Duration::from_secs(5);
        c.body_read_timeout = Duration::from_millis(300);
    });
    let server = TestServer::with_config(config).await;
    let body = add_body();
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = request_head(&server.addr.to_string(), body.len());
    stream.write_all(head.as_bytes()).await.unwrap();
    // One byte every 50 ms: never idle for long, never done.
    let trickle = async {
        for b in body.as_bytes() {
            if stream.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(WAIT, trickle).await.ok();
    let answer = String::from_utf8(read_to_close(&mut stream).await).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{answer}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let config =
        HttpConfig::default().configure(|c| c.keep_alive_timeout = Duration::from_millis(200));
    let server = TestServer::with_config(config).await;
    let body = add_body();
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = request_head(&server.addr.to_string(), body.len());
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    // The response, then nothing more: the server closes the idle connection.
    let answer = String::from_utf8(read_to_close(&mut stream).await).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains(r#""text":"5""#), "{answer}");
}

#[tokio::test]
async fn at_the_connection_cap_the_oldest_idle_connection_makes_room() {
    let config = HttpConfig::default().configure(|c| c.max_connections = 4);
    let server = TestServer::with_config(config).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(b"P").await.unwrap();
        idle.push(s);
        // Distinct ages, so "oldest" is well defined.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A fifth client is served at once, not after a timeout.
    let (status, _) = tokio::time::timeout(WAIT, sum(&server.url))
        .await
        .expect("served while at the cap");
    assert_eq!(status, 200);
    // The oldest stalled connection was closed to make room for it.
    assert_eq!(read_to_close(&mut idle[0]).await, b"");
}
