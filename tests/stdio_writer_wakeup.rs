//! The stdio server keeps reading its input while its writer waits for a message another
//! thread is still pushing into the outbound queue.
//!
//! Regression test for the stall of `srv-mcpserve proxy-stdio` (issue 16): the writer
//! drained the queue with tokio's `try_recv`, which, finding a slot whose sender is
//! mid-push, parks the *calling thread* on its thread-local parker until the push ends.
//! `serve_io` runs in `block_on` (`#[tokio::main]`), which sleeps on that same parker, so
//! the park consumed the wake-up the input had just sent, and the server never read its
//! input again. The window is a few instructions wide; this test holds it open with a
//! global allocator that pauses the one send that grows the queue by a block.
#![cfg(target_os = "linux")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::{Duration, Instant};

use mcpserve::prelude::*;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Forwards to the system allocator, except that an armed thread's first large
/// allocation waits for [`RELEASE`]: a send into a tokio channel that needs the queue's
/// next block allocates it after claiming its slot and before filling it.
struct PausingAlloc;

#[global_allocator]
static ALLOC: PausingAlloc = PausingAlloc;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}
/// A send is paused in the middle of its push.
static PAUSED: AtomicBool = AtomicBool::new(false);
/// Lets the paused send finish.
static RELEASE: AtomicBool = AtomicBool::new(false);
/// `hold` is blocking the serving thread.
static HOLDING: AtomicBool = AtomicBool::new(false);
/// `hold` returned.
static HELD: AtomicBool = AtomicBool::new(false);
/// `fast` ran.
static FAST_RAN: AtomicBool = AtomicBool::new(false);

/// The outbound queue's blocks hold 32 messages of 32 bytes: about 1 KiB. Nothing else a
/// progress notification's send allocates comes near that.
const BLOCK_BYTES: usize = 1024;

fn pause_if_armed(layout: Layout) {
    if layout.size() >= BLOCK_BYTES && ARMED.try_with(|a| a.replace(false)).unwrap_or(false) {
        PAUSED.store(true, SeqCst);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !RELEASE.load(SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

unsafe impl GlobalAlloc for PausingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        pause_if_armed(layout);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Waits for `flag` (at most 10 s).
fn wait_for(flag: &AtomicBool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !flag.load(SeqCst) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// Once `hold` blocks the serving thread, sends progress notifications from a worker
/// thread until one, the one that needs the queue's second block, has paused half-pushed;
/// then waits for `fast` to run, so that nothing else is sent meanwhile.
#[tool]
async fn burst(ctx: Context) -> &'static str {
    // Not finished on its first poll: the request continues on a worker thread.
    tokio::task::yield_now().await;
    while !HOLDING.load(SeqCst) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    ARMED.with(|a| a.set(true));
    let mut sent = 0;
    while !PAUSED.load(SeqCst) && sent < 100 {
        sent += 1;
        ctx.progress(sent, None, None).await;
    }
    ARMED.with(|a| a.set(false));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !FAST_RAN.load(SeqCst) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    "burst done"
}

/// Blocks the thread that polls it (the serving thread: it finishes on its first poll)
/// until a send is paused, so the notifications pile up unread meanwhile.
#[tool]
async fn hold() -> &'static str {
    HOLDING.store(true, SeqCst);
    wait_for(&PAUSED);
    HELD.store(true, SeqCst);
    "held"
}

/// Answers at once.
#[tool]
async fn fast() -> &'static str {
    FAST_RAN.store(true, SeqCst);
    "fast done"
}

/// The state letter of the thread named `name` in this process (`S`: sleeping).
fn thread_state(name: &str) -> Option<char> {
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let dir = task.ok()?.path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim_end() == name {
            let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
            // `pid (comm) S ...`: the state follows the last `)`.
            return stat[stat.rfind(')')? + 1..].trim_start().chars().next();
        }
    }
    None
}

/// A session-less `tools/call` line with a progress token.
fn call(id: &str, tool: &str) -> String {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "progressToken": id,
    });
    let msg = json!({
        "jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": { "name": tool, "arguments": {}, "_meta": meta }
    });
    format!("{msg}\n")
}

#[test]
fn stdio_server_reads_new_input_while_its_writer_waits_for_a_send_in_progress() {
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (client, server_io) = tokio::io::duplex(1 << 16);
    let (read, mut write) = tokio::io::split(client);
    // Both requests are waiting before the server starts, so its first poll reads them
    // (and the reading half is polled before the writing half, as on every other poll).
    client_rt.block_on(async {
        write
            .write_all(call("burst", "burst").as_bytes())
            .await
            .unwrap();
        write
            .write_all(call("hold", "hold").as_bytes())
            .await
            .unwrap();
    });

    // Served the way `serve_stdio` under `#[tokio::main]` is: in `block_on` on a thread
    // of its own, not on a worker.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let serving = std::thread::Builder::new()
        .name("stdio-serve".into())
        .spawn(move || {
            server_rt.block_on(async {
                let server = Server::from_registry().build().unwrap();
                let (read, write) = tokio::io::split(server_io);
                server.serve_io(read, write).await
            })
        })
        .unwrap();

    client_rt.block_on(async {
        let (lines_tx, mut lines_rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
        tokio::spawn(async move {
            let mut lines = BufReader::new(read).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = lines_tx.send(serde_json::from_str(&line).unwrap());
            }
        });

        assert!(wait_for(&PAUSED), "no send paused half-pushed");
        assert!(wait_for(&HELD), "`hold` never returned");
        // The serving thread now writes the notifications queued meanwhile and reaches
        // the half-pushed one; wait until it sleeps there (or, fixed, in `block_on`).
        let deadline = Instant::now() + Duration::from_secs(10);
        while thread_state("stdio-serve") != Some('S') {
            assert!(
                Instant::now() < deadline,
                "the serving thread never went idle"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(50));

        // New input while the writer waits: its wake-up must reach the reader.
        write
            .write_all(call("after", "fast").as_bytes())
            .await
            .unwrap();
        std::thread::sleep(Duration::from_millis(50));
        RELEASE.store(true, SeqCst);

        let mut answered = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while answered.len() < 3 {
            let msg = tokio::time::timeout_at(deadline, lines_rx.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!("the server stopped reading its input: answered only {answered:?}")
                })
                .expect("the server closed its output");
            if let Some(id) = msg.get("id").and_then(Value::as_str) {
                answered.push(id.to_owned());
            }
        }
        answered.sort();
        assert_eq!(answered, ["after", "burst", "hold"]);

        // End of input ends the server.
        write.shutdown().await.unwrap();
    });
    serving.join().unwrap().unwrap();
}
