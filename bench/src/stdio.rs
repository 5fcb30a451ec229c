//! The stdio load generator: a child process on pipes, driven by one writer and one reader
//! thread (pipelined) or by one thread doing round trips (sequential).

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use crate::proc::{status_kib, ServerCmd};
use crate::stats::Sample;
use crate::wire::{self, Template};

type Res<T> = Result<T, String>;

/// A server on the other end of a pair of pipes.
pub struct StdioConn {
    child: Child,
    stdin: Option<BufWriter<ChildStdin>>,
    stdout: BufReader<ChildStdout>,
    line: Vec<u8>,
}

impl StdioConn {
    /// Spawns the server.
    pub fn spawn(cmd: &ServerCmd) -> Res<Self> {
        let mut child = cmd
            .command(None)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", cmd.bin))?;
        let stdin = BufWriter::with_capacity(64 * 1024, child.stdin.take().expect("stdin"));
        let stdout = BufReader::with_capacity(64 * 1024, child.stdout.take().expect("stdout"));
        Ok(StdioConn {
            child,
            stdin: Some(stdin),
            stdout,
            line: Vec::new(),
        })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak RSS so far, KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        status_kib(self.pid(), "VmHWM")
    }

    /// Writes one message and a newline, and flushes.
    pub fn send(&mut self, msg: &[u8]) -> Res<()> {
        let w = self.stdin.as_mut().ok_or("stdin already taken")?;
        w.write_all(msg)
            .and_then(|()| w.write_all(b"\n"))
            .and_then(|()| w.flush())
            .map_err(|e| format!("write: {e}"))
    }

    /// Reads the next message (without the newline).
    pub fn recv(&mut self) -> Res<&[u8]> {
        self.line.clear();
        let n = self
            .stdout
            .read_until(b'\n', &mut self.line)
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("server closed stdout".into());
        }
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
        }
        Ok(&self.line)
    }

    /// Session-era handshake: `initialize` (2025-11-25) and `notifications/initialized`.
    pub fn initialize(&mut self) -> Res<()> {
        self.send(&wire::initialize("2025-11-25"))?;
        let reply = self.recv()?.to_vec();
        wire::check_response(&reply)?;
        self.send(wire::INITIALIZED)
    }

    /// One request, one response; checks the response.
    pub fn call_checked(&mut self, t: &Template, id: u64) -> Res<()> {
        self.send(&t.bytes(id))?;
        let reply = self.recv()?.to_vec();
        wire::check_response(&reply)
    }

    /// Closes stdin and waits for the process (killing it after a second).
    pub fn close(self) {
        let StdioConn {
            mut child, stdin, ..
        } = self;
        drop(stdin);
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Sequential round trips: `warmup` unmeasured, then up to `n` measured (stopping
    /// after `max` time).
    pub fn sequential(&mut self, t: &Template, warmup: u64, n: u64, max: Duration) -> Res<Sample> {
        self.call_checked(t, 1)?;
        let mut buf = Vec::with_capacity(128);
        for id in 2..warmup + 2 {
            buf.clear();
            t.write(id, &mut buf);
            self.send(&buf)?;
            self.recv()?;
        }
        let mut lat = Vec::with_capacity(n as usize);
        let start = Instant::now();
        for id in 0..n {
            buf.clear();
            t.write(id + warmup + 2, &mut buf);
            let t0 = Instant::now();
            self.send(&buf)?;
            self.recv()?;
            lat.push(t0.elapsed().as_nanos() as u64);
            if id % 256 == 0 && start.elapsed() > max {
                break;
            }
        }
        let mut s = Sample::from_latencies(lat, start.elapsed().as_secs_f64());
        s.peak_rss_kib = self.peak_rss_kib();
        Ok(s)
    }

    /// Pipelined without end: requests with at most `window` unanswered until `stop` is
    /// set, every response counted in `done` (for the sustained-load run).
    pub fn sustained(
        mut self,
        t: &Template,
        window: u64,
        stop: Arc<AtomicBool>,
        done: Arc<AtomicU64>,
    ) -> Res<()> {
        /// Written once after `stop`: its response means every earlier request was read.
        const LAST: u64 = u64::MAX / 4;
        self.call_checked(t, 0)?;
        let (credit_tx, credit_rx) = mpsc::channel::<()>();
        let mut stdin = self.stdin.take().ok_or("stdin already taken")?;
        let writer = {
            let t = t.clone();
            std::thread::spawn(move || -> Res<(u64, BufWriter<ChildStdin>)> {
                let mut buf = Vec::with_capacity(256);
                let mut id = 1u64;
                while !stop.load(Ordering::Relaxed) {
                    if id > window && credit_rx.try_recv().is_err() {
                        stdin.flush().map_err(|e| e.to_string())?;
                        credit_rx.recv().map_err(|e| e.to_string())?;
                    }
                    buf.clear();
                    t.write(id, &mut buf);
                    buf.push(b'\n');
                    stdin.write_all(&buf).map_err(|e| format!("write: {e}"))?;
                    id += 1;
                }
                buf.clear();
                t.write(LAST, &mut buf);
                buf.push(b'\n');
                stdin.write_all(&buf).map_err(|e| format!("write: {e}"))?;
                stdin.flush().map_err(|e| e.to_string())?;
                // stdin goes back to the caller: EOF now could end the session early.
                Ok((id - 1, stdin))
            })
        };
        let mut got = 0u64;
        let mut result = Ok(());
        loop {
            match self.recv().map(wire::response_id) {
                Ok(Some(LAST)) => break,
                Ok(Some(_)) => {}
                Ok(None) => continue, // a notification
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
            got += 1;
            done.fetch_add(1, Ordering::Relaxed);
            let _ = credit_tx.send(());
        }
        drop(credit_tx);
        let (sent, stdin) = writer.join().map_err(|_| "writer panicked".to_string())??;
        result?;
        while got < sent {
            if wire::response_id(self.recv()?).is_some() {
                got += 1;
            }
        }
        self.stdin = Some(stdin);
        self.close();
        Ok(())
    }

    /// Pipelined: `n` requests with at most `window` unanswered (`None`: all written at
    /// once, as fast as the pipe takes them). Latency is send → response per request.
    pub fn pipelined(mut self, t: &Template, n: u64, window: Option<u64>) -> Res<Sample> {
        self.call_checked(t, u64::MAX / 2)?;
        let times: Arc<Vec<AtomicU64>> = Arc::new((0..n).map(|_| AtomicU64::new(0)).collect());
        let (credit_tx, credit_rx) = mpsc::channel::<()>();
        let start = Instant::now();
        let mut stdin = self.stdin.take().ok_or("stdin already taken")?;
        let writer = {
            let (t, times) = (t.clone(), times.clone());
            std::thread::spawn(move || -> Res<()> {
                let mut buf = Vec::with_capacity(256);
                for id in 0..n {
                    // Past the window, every request waits for a response's credit;
                    // flush what is buffered before sleeping on it.
                    if window.is_some_and(|w| id >= w) && credit_rx.try_recv().is_err() {
                        stdin.flush().map_err(|e| e.to_string())?;
                        credit_rx.recv().map_err(|e| e.to_string())?;
                    }
                    buf.clear();
                    t.write(id, &mut buf);
                    buf.push(b'\n');
                    times[id as usize].store(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    stdin.write_all(&buf).map_err(|e| format!("write: {e}"))?;
                }
                stdin.flush().map_err(|e| e.to_string())?;
                // Keep stdin open until every response is read (the reader hangs up):
                // EOF would end the session early.
                while credit_rx.recv().is_ok() {}
                drop(stdin);
                Ok(())
            })
        };
        let mut lat = Vec::with_capacity(n as usize);
        let mut got = 0u64;
        let mut result = Ok(());
        while got < n {
            let line = match self.recv() {
                Ok(l) => l,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let now = start.elapsed().as_nanos() as u64;
            let Some(id) = wire::response_id(line) else {
                continue; // a notification
            };
            if id >= n {
                continue;
            }
            lat.push(now.saturating_sub(times[id as usize].load(Ordering::Relaxed)));
            got += 1;
            let _ = credit_tx.send(());
        }
        let secs = start.elapsed().as_secs_f64();
        let peak = self.peak_rss_kib();
        drop(credit_tx);
        let w = writer.join().map_err(|_| "writer panicked".to_string())?;
        self.close();
        result?;
        w?;
        let mut s = Sample::from_latencies(lat, secs);
        s.peak_rss_kib = peak;
        Ok(s)
    }
}
