//! A client that pipelines: the stdio loop answers requests that finish at once while
//! more input is buffered as one queued batch. Every reply must still arrive exactly once,
//! as a line of its own, after what its request sent while it ran, and `initialize`'s
//! reply before anything else; closing the input right after the last request must not
//! lose a batch.

use mcpserve::prelude::*;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Reports progress once, then answers with its text in capitals.
#[tool]
async fn shout(ctx: Context, text: String) -> String {
    ctx.progress(1u32, Some(1u32), None).await;
    text.to_uppercase()
}

/// Enough requests, with long enough replies, for several batches.
const CALLS: usize = 300;

fn text(i: usize) -> String {
    format!("{i:04} {}", "x".repeat(500))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_replies_arrive_whole_once_and_after_their_requests_messages() {
    let server = Server::from_registry().build().unwrap();
    let (client, server_io) = tokio::io::duplex(4 << 20);
    let serving = tokio::spawn(async move {
        let (read, write) = tokio::io::split(server_io);
        server.serve_io(read, write).await
    });
    let (read, mut write) = tokio::io::split(client);

    // Everything in one write, `initialize` first and no `initialized` in between, then
    // end of input.
    let mut input = json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": { "name": "batching-test", "version": "1.0.0" }
        }
    })
    .to_string();
    input.push('\n');
    for i in 1..=CALLS {
        let call = json!({
            "jsonrpc": "2.0", "id": i, "method": "tools/call",
            "params": {
                "name": "shout",
                "arguments": { "text": text(i) },
                "_meta": { "progressToken": i }
            }
        });
        input.push_str(&call.to_string());
        input.push('\n');
    }
    write.write_all(input.as_bytes()).await.unwrap();
    write.shutdown().await.unwrap();

    let mut lines = BufReader::new(read).lines();
    let mut messages = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let message: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not one JSON message per line ({e}): {line:.200}"));
        messages.push(message);
    }
    serving.await.unwrap().unwrap();

    assert_eq!(
        messages.len(),
        1 + 2 * CALLS,
        "one reply and one progress per call"
    );
    assert_eq!(
        messages[0]["id"],
        json!(0),
        "initialize's reply comes first"
    );
    assert_eq!(
        messages[0]["result"]["protocolVersion"],
        json!("2025-11-25")
    );
    let mut progress_at = vec![None; CALLS + 1];
    let mut reply_at = vec![None; CALLS + 1];
    for (at, message) in messages.iter().enumerate().skip(1) {
        if message["method"] == json!("notifications/progress") {
            let i = message["params"]["progressToken"].as_u64().unwrap() as usize;
            assert_eq!(
                message,
                &json!({
                    "jsonrpc": "2.0", "method": "notifications/progress",
                    "params": { "progressToken": i, "progress": 1, "total": 1 }
                })
            );
            assert!(progress_at[i].replace(at).is_none(), "progress {i} twice");
        } else {
            let i = message["id"].as_u64().unwrap() as usize;
            assert_eq!(
                message,
                &json!({
                    "jsonrpc": "2.0", "id": i,
                    "result": { "content": [{ "type": "text", "text": text(i).to_uppercase() }] }
                })
            );
            assert!(reply_at[i].replace(at).is_none(), "reply {i} twice");
        }
    }
    for i in 1..=CALLS {
        let (progress, reply) = (progress_at[i].unwrap(), reply_at[i].unwrap());
        assert!(progress < reply, "call {i}: its progress after its reply");
    }
}
