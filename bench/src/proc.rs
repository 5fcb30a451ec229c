//! Server processes: where the binaries are, spawning, memory readings, CPU pinning.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server binary plus its arguments; `{addr}` in an argument is replaced by the address.
#[derive(Debug, Clone)]
pub struct ServerCmd {
    /// Label shown in reports (`mcpserve`, `rmcp default`, `rmcp best`, `limit`).
    pub label: &'static str,
    /// Binary name next to the harness executable.
    pub bin: &'static str,
    /// Arguments.
    pub args: Vec<&'static str>,
}

impl ServerCmd {
    /// A command for `bin` with `args`.
    pub fn new(label: &'static str, bin: &'static str, args: &[&'static str]) -> Self {
        Self {
            label,
            bin,
            args: args.to_vec(),
        }
    }

    /// The `Command` to run, with `{addr}` substituted.
    pub fn command(&self, addr: Option<&str>) -> Command {
        let mut cmd = Command::new(bin_path(self.bin));
        for a in &self.args {
            match (*a, addr) {
                ("{addr}", Some(addr)) => cmd.arg(addr),
                _ => cmd.arg(a),
            };
        }
        cmd.env("RUST_LOG", "error");
        cmd
    }
}

/// Path of a sibling binary of the running harness (all built by `cargo build --bins`).
pub fn bin_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent().expect("exe dir").join(name)
}

/// A field of /proc/PID/status in KiB (`VmHWM`, `VmRSS`).
pub fn status_kib(pid: u32, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Pins the calling thread (and so every thread and child process it starts afterwards)
/// to `cpu`; returns the previous mask for [`restore_affinity`].
pub fn pin_to(cpu: usize) -> libc::cpu_set_t {
    // SAFETY: cpu_set_t is plain data; the calls only read/write the sets we pass.
    unsafe {
        let mut old: libc::cpu_set_t = std::mem::zeroed();
        libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut old);
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
        old
    }
}

/// Restores a mask returned by [`pin_to`].
pub fn restore_affinity(old: &libc::cpu_set_t) {
    // SAFETY: as above.
    unsafe {
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), old);
    }
}

/// The CPU latency runs are pinned to: the last one the harness may use.
pub fn latency_cpu() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get() - 1)
}

/// An HTTP server process, killed on drop.
pub struct HttpServer {
    /// The child process.
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl HttpServer {
    /// Starts `cmd` on a free loopback port and waits until it accepts connections.
    pub fn start(cmd: &ServerCmd) -> std::io::Result<Self> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let addr = format!("127.0.0.1:{port}");
        let child = cmd
            .command(Some(&addr))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut server = HttpServer { child, addr };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if std::net::TcpStream::connect(&server.addr).is_ok() {
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                return Err(std::io::Error::other(format!(
                    "{} exited before listening: {status}",
                    cmd.label
                )));
            }
            if Instant::now() > deadline {
                return Err(std::io::Error::other(format!(
                    "{} never listened",
                    cmd.label
                )));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `BIN http ADDR` (a sibling server binary) on a free 127.0.0.1 port as a child
/// that dies with the calling process, and returns the address once it accepts
/// connections. Used by the servers that front another one (the proxy, the relay limit).
pub fn spawn_http_upstream(bin: &str) -> std::io::Result<String> {
    use std::os::unix::process::CommandExt;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut cmd = Command::new(bin_path(bin));
    cmd.args(["http", &addr]).stdin(Stdio::null());
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    cmd.spawn()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&addr).is_err() {
        if Instant::now() > deadline {
            return Err(std::io::Error::other("the upstream server never listened"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(addr)
}
