//! A real cluster for the scale-out tests: `redis-server`, instances of
//! `examples/http.rs --redis` and `haproxy` balancing round-robin over them, each on a
//! free 127.0.0.1 port, stopped by PID when dropped. Without the binaries the tests
//! skip with a notice (and fail under `CI=true`).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;

/// `MCPSERVE_REDIS_SERVER`, or `redis-server` on `PATH`.
pub fn redis_server(test: &str) -> Option<PathBuf> {
    binary(test, "MCPSERVE_REDIS_SERVER", "redis-server")
}

/// `MCPSERVE_HAPROXY`, or `haproxy` on `PATH`.
pub fn haproxy(test: &str) -> Option<PathBuf> {
    binary(test, "MCPSERVE_HAPROXY", "haproxy")
}

fn binary(test: &str, var: &str, name: &str) -> Option<PathBuf> {
    let found = match std::env::var_os(var) {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        }),
    };
    if found.is_none() {
        common::skip::skip(
            test,
            &format!(
                "needs `{name}` (Debian: `apt-get install redis-server haproxy`; `bash .ci/run` \
                 installs both) on PATH or in {var}"
            ),
        );
    }
    found
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed (by its PID) and reaped when dropped.
pub struct Proc {
    pub child: Child,
    pub name: String,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: the process dies without any cleanup.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A Redis on a free port, no persistence.
pub struct Redis {
    pub proc: Proc,
    pub port: u16,
    pub url: String,
}

impl Redis {
    pub fn start(bin: &Path) -> Redis {
        Self::start_on(bin, free_port())
    }

    /// On `port` (a restart where the last one ran).
    pub fn start_on(bin: &Path, port: u16) -> Redis {
        let child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        wait_for_port(port, "redis-server");
        Redis {
            proc: Proc {
                child,
                name: "redis".into(),
            },
            port,
            url: format!("redis://127.0.0.1:{port}"),
        }
    }
}

/// One instance of `examples/http.rs --redis`.
pub struct Instance {
    pub proc: Proc,
    pub port: u16,
    pub url: String,
}

impl Instance {
    pub fn start(redis_url: &str, extra: &[&str]) -> Instance {
        let mut child = Command::new(common::example_bin("http"))
            .args([
                "--port",
                "0",
                "--redis",
                redis_url,
                "--state-key",
                "scale-out-test",
            ])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the http example");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        // Keep draining stdout so the instance never blocks on it.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = out.read_to_end(&mut sink);
        });
        let port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.trim_end_matches("/mcp").parse().ok())
            .unwrap();
        Instance {
            proc: Proc {
                child,
                name: "instance".into(),
            },
            port,
            url,
        }
    }
}

/// haproxy balancing round-robin over `ports`, every request on its own.
pub struct Balancer {
    pub proc: Proc,
    pub url: String,
    _dir: TempDir,
}

/// The balancer configuration the README shows and `.ci/run` runs.
pub const HAPROXY_CFG: &str = include_str!("../../examples/haproxy.cfg");

/// [`HAPROXY_CFG`] listening on `port`, its `server` lines pointing at `ports` (in
/// order; extra lines dropped).
pub fn haproxy_cfg(port: u16, ports: &[u16]) -> String {
    let mut servers = ports.iter();
    let mut cfg = String::new();
    for line in HAPROXY_CFG.lines() {
        if line.starts_with("  bind ") {
            cfg.push_str(&format!("  bind 127.0.0.1:{port}\n"));
        } else if let Some(rest) = line.strip_prefix("  server ") {
            let Some(p) = servers.next() else { continue };
            let mut fields: Vec<&str> = rest.split(' ').collect();
            let addr = format!("127.0.0.1:{p}");
            fields[1] = &addr;
            cfg.push_str(&format!("  server {}\n", fields.join(" ")));
        } else {
            cfg.push_str(line);
            cfg.push('\n');
        }
    }
    assert!(
        servers.next().is_none(),
        "examples/haproxy.cfg has too few servers"
    );
    cfg
}

impl Balancer {
    pub fn start(bin: &Path, ports: &[u16]) -> Balancer {
        let port = free_port();
        let dir = TempDir::new("haproxy");
        let cfg = haproxy_cfg(port, ports);
        let file = dir.0.join("haproxy.cfg");
        std::fs::File::create(&file)
            .unwrap()
            .write_all(cfg.as_bytes())
            .unwrap();
        let child = Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start haproxy");
        wait_for_port(port, "haproxy");
        Balancer {
            proc: Proc {
                child,
                name: "haproxy".into(),
            },
            url: format!("http://127.0.0.1:{port}/mcp"),
            _dir: dir,
        }
    }
}

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).unwrap();
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let dir = std::env::temp_dir().join(format!("mcpserve-{tag}-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Redis, `n` instances and (when `balanced`) haproxy in front of them.
pub struct Cluster {
    pub instances: Vec<Instance>,
    pub balancer: Option<Balancer>,
    pub redis: Redis,
}

impl Cluster {
    /// `None` (after a skip notice) when `redis-server` or haproxy is missing.
    pub fn start(test: &str, n: usize, balanced: bool, extra: &[&str]) -> Option<Cluster> {
        let redis_bin = redis_server(test)?;
        let haproxy_bin = if balanced { Some(haproxy(test)?) } else { None };
        let redis = Redis::start(&redis_bin);
        let instances: Vec<Instance> = (0..n).map(|_| Instance::start(&redis.url, extra)).collect();
        let balancer = haproxy_bin.map(|bin| {
            let ports: Vec<u16> = instances.iter().map(|i| i.port).collect();
            Balancer::start(&bin, &ports)
        });
        Some(Cluster {
            instances,
            balancer,
            redis,
        })
    }

    pub fn url(&self, i: usize) -> &str {
        &self.instances[i].url
    }

    pub fn balanced_url(&self) -> &str {
        &self.balancer.as_ref().expect("a balancer").url
    }
}
