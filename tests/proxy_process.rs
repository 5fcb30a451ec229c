//! `examples/proxy.rs` as a process over a stdio child: however the proxy ends, its
//! child does not outlive it.
//!
//! The child is `sh -c 'quickstart; exec sleep 600'`: it serves MCP through the
//! quickstart example, and, like `@modelcontextprotocol/server-everything`, does not
//! exit when its input closes (the shell becomes a `sleep`). So only a proxy that stops
//! its child (or a kernel that does it for the proxy) passes.
#![cfg(target_os = "linux")]

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Bound on every wait below.
const WAIT: Duration = Duration::from_secs(20);

/// A proxy process and the pid of its stdio child; kills both if still there.
struct Running {
    proxy: Child,
    child: u32,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.proxy.kill();
        let _ = self.proxy.wait();
        if alive(self.child) {
            // SAFETY: plain syscall on a pid this test started (through the proxy).
            unsafe { libc::kill(self.child as i32, libc::SIGKILL) };
        }
    }
}

/// Starts the proxy example over the child and waits until the child runs.
fn start() -> Running {
    let quickstart = common::example_bin("quickstart");
    let script = format!("'{}'; exec sleep 600", quickstart.display());
    let mut proxy = Command::new(common::example_bin("proxy"))
        .args(["--port", "0", "--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the proxy example");
    let url = common::listening_url(&mut proxy);
    assert!(url.starts_with("http://"), "{url:?}");
    let deadline = Instant::now() + WAIT;
    let child = loop {
        if let Some(pid) = children_of(proxy.id()).first() {
            break *pid;
        }
        assert!(
            Instant::now() < deadline,
            "the proxy never started its child"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    Running { proxy, child }
}

/// Pids whose parent is `parent`.
fn children_of(parent: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if stat(pid).is_some_and(|(_, ppid)| ppid == parent) {
            found.push(pid);
        }
    }
    found
}

/// The state letter and parent pid of `pid`.
fn stat(pid: u32) -> Option<(char, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) S ppid ...`: the fields after the last `)`.
    let mut rest = text[text.rfind(')')? + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some((state, ppid))
}

/// Running (a zombie waiting to be reaped has exited).
fn alive(pid: u32) -> bool {
    stat(pid).is_some_and(|(state, _)| state != 'Z' && state != 'X')
}

/// Waits (bounded) for `pid` to be gone.
fn gone_within(pid: u32, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    while alive(pid) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

fn signal(pid: u32, sig: i32) {
    // SAFETY: plain syscall on a pid this test started.
    assert_eq!(
        unsafe { libc::kill(pid as i32, sig) },
        0,
        "kill({pid}, {sig})"
    );
}

/// A graceful stop: the proxy exits by itself, after its child.
fn stops_its_child_on(sig: i32) {
    let mut running = start();
    assert!(alive(running.child));
    signal(running.proxy.id(), sig);
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = running.proxy.try_wait().expect("proxy status") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the proxy did not exit on signal {sig}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(
        status.success(),
        "the proxy should exit cleanly on signal {sig}: {status}"
    );
    assert!(
        gone_within(running.child, Duration::from_secs(1)),
        "the proxy exited on signal {sig} but its child {} is still running",
        running.child
    );
}

#[test]
fn a_terminated_proxy_stops_its_stdio_child() {
    stops_its_child_on(libc::SIGTERM);
}

#[test]
fn an_interrupted_proxy_stops_its_stdio_child() {
    stops_its_child_on(libc::SIGINT);
}

#[test]
fn a_killed_proxy_takes_its_stdio_child_along() {
    let running = start();
    assert!(alive(running.child));
    signal(running.proxy.id(), libc::SIGKILL);
    assert!(
        gone_within(running.child, WAIT),
        "the proxy was killed but its child {} is still running",
        running.child
    );
}
