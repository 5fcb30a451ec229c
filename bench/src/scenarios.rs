//! The scenarios and the servers each one compares. Throughput runs go round-robin over
//! the servers (A B C D, A B C D, ...) and report per-server medians; latency runs pin
//! the harness and the server to one CPU so no idle vCPU has to wake up per message.

use std::time::{Duration, Instant};

use crate::http::{self, Era};
use crate::proc::{latency_cpu, pin_to, restore_affinity, status_kib, HttpServer, ServerCmd};
use crate::report::{Report, Row};
use crate::stats::{median, median_sample, Sample};
use crate::stdio::StdioConn;
use crate::wire::{self, Call, Template};

type Res<T> = Result<T, String>;

/// Column order of every table.
pub const LABELS: [&str; 7] = [
    "mcpserve",
    "rmcp default",
    "rmcp best",
    "limit",
    "mcpserve (SSE)",
    "mcpserve proxied",
    "relay limit",
];

/// How big the runs are.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Rounds of every throughput/latency comparison (medians are over these).
    pub rounds: usize,
    /// Calls per stdio pipelined run (small payloads).
    pub pipelined: u64,
    /// Calls per stdio pipelined run with 64 KiB payloads.
    pub pipelined_big: u64,
    /// In-flight window of the pipelined runs.
    pub window: u64,
    /// Calls written at once for the backpressure/RSS run.
    pub burst: u64,
    /// Measured round trips per sequential run.
    pub sequential: u64,
    /// Unmeasured round trips first.
    pub warmup: u64,
    /// Request budget per HTTP run.
    pub http: u64,
    /// Time cap of any single run.
    pub max: Duration,
    /// HTTP concurrency levels (stateless era).
    pub http_conns: Vec<usize>,
    /// Spawns per server for cold start.
    pub cold: usize,
    /// Idle session counts.
    pub sessions: Vec<u64>,
    /// Whether the mcpserve HTTP server exists in this build.
    pub mcpserve_http: bool,
    /// Run only the scenarios whose name contains this (e.g. `stdio`, `http`).
    pub only: Option<String>,
    /// In the pipelined scenario, call only the tools whose name contains this (e.g.
    /// `echo 64`).
    pub call: Option<String>,
}

impl Plan {
    /// The full plan.
    pub fn full() -> Plan {
        Plan {
            rounds: 3,
            pipelined: 100_000,
            pipelined_big: 10_000,
            window: 64,
            burst: 100_000,
            sequential: 20_000,
            warmup: 1_000,
            http: 100_000,
            max: Duration::from_secs(3),
            http_conns: vec![1, 16, 64],
            cold: 100,
            sessions: vec![1_000, 10_000],
            mcpserve_http: cfg!(feature = "mcpserve-http"),
            only: None,
            call: None,
        }
    }

    /// A quick run that exercises every scenario and server (CI).
    pub fn smoke() -> Plan {
        Plan {
            rounds: 1,
            pipelined: 2_000,
            pipelined_big: 100,
            window: 64,
            burst: 2_000,
            sequential: 300,
            warmup: 20,
            http: 300,
            max: Duration::from_secs(2),
            http_conns: vec![1, 16],
            cold: 2,
            sessions: vec![50],
            mcpserve_http: cfg!(feature = "mcpserve-http"),
            only: None,
            call: None,
        }
    }
}

fn stdio_servers() -> Vec<ServerCmd> {
    vec![
        ServerCmd::new(LABELS[0], "srv-mcpserve", &["stdio"]),
        ServerCmd::new(LABELS[1], "srv-rmcp", &["stdio"]),
        ServerCmd::new(LABELS[2], "srv-rmcp", &["stdio-pipes"]),
        ServerCmd::new(LABELS[3], "srv-limit", &["stdio"]),
    ]
}

fn http_servers(plan: &Plan, era: Era) -> Vec<ServerCmd> {
    let mut v = Vec::new();
    if plan.mcpserve_http {
        v.push(ServerCmd::new(
            LABELS[0],
            "srv-mcpserve",
            &["http", "{addr}"],
        ));
    }
    v.push(ServerCmd::new(
        LABELS[1],
        "srv-rmcp",
        &["http-default", "{addr}"],
    ));
    let best = match era {
        Era::Stateless => "http-fast",
        Era::Session => "http-session-fast",
    };
    v.push(ServerCmd::new(LABELS[2], "srv-rmcp", &[best, "{addr}"]));
    v.push(ServerCmd::new(LABELS[3], "srv-limit", &["http", "{addr}"]));
    if plan.mcpserve_http && era == Era::Session {
        // mcpserve answers a handler that does not stream with a JSON body; this is the
        // same server made to use SSE for every reply, as rmcp does in sessions.
        v.push(ServerCmd::new(
            LABELS[4],
            "srv-mcpserve",
            &["http-sse", "{addr}"],
        ));
    }
    v
}

/// Runs `f` for every server, `rounds` times round-robin, and returns per-server medians.
fn rounds<F>(plan: &Plan, servers: &[ServerCmd], mut f: F) -> Res<Vec<(&'static str, Sample)>>
where
    F: FnMut(&ServerCmd) -> Res<Sample>,
{
    let mut runs: Vec<Vec<Sample>> = vec![Vec::new(); servers.len()];
    for _ in 0..plan.rounds {
        for (i, s) in servers.iter().enumerate() {
            let sample = f(s).map_err(|e| format!("{}: {e}", s.label))?;
            runs[i].push(sample);
        }
    }
    Ok(servers
        .iter()
        .zip(runs)
        .map(|(s, r)| (s.label, median_sample(&r)))
        .collect())
}

fn progress(what: &str) {
    eprintln!("[{:>7.1}s] {what}", crate::report::elapsed());
}

/// Runs every scenario into `report`; a failing scenario is recorded and the rest go on.
pub fn run_all(plan: &Plan, report: &mut Report) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    type Step<'a> = (&'static str, Box<dyn Fn(&mut Report) -> Res<()> + 'a>);
    let steps: Vec<Step> = vec![
        ("stdio pipelined", Box::new(|r| stdio_pipelined(plan, r))),
        ("stdio burst", Box::new(|r| stdio_burst(plan, r))),
        ("stdio sequential", Box::new(|r| stdio_sequential(plan, r))),
        ("tools/list 1k", Box::new(|r| list_1k(plan, r))),
        ("cold start", Box::new(|r| cold_start(plan, r))),
        ("http stateless", Box::new(|r| http_stateless(plan, r, &rt))),
        ("http session", Box::new(|r| http_session(plan, r, &rt))),
        ("idle sessions", Box::new(|r| idle_sessions(plan, r, &rt))),
        ("proxy", Box::new(|r| proxy(plan, r, &rt))),
    ];
    for (name, step) in steps {
        if plan.only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        progress(name);
        if let Err(e) = step(report) {
            eprintln!("scenario `{name}` failed: {e}");
            report.failures.push(format!("{name}: {e}"));
        }
    }
}

fn stdio_pipelined(plan: &Plan, report: &mut Report) -> Res<()> {
    let servers = stdio_servers();
    for call in [Call::Add, Call::Echo1k, Call::Echo64k, Call::Stats] {
        if plan
            .call
            .as_deref()
            .is_some_and(|c| !call.name().contains(c))
        {
            continue;
        }
        let n = if call == Call::Echo64k {
            plan.pipelined_big
        } else {
            plan.pipelined
        };
        progress(&format!("  stdio pipelined {}", call.name()));
        let t = Template::new(call, false);
        let res = rounds(plan, &servers, |s| {
            let mut c = StdioConn::spawn(s)?;
            c.initialize()?;
            c.pipelined(&t, n, Some(plan.window))
        })?;
        report.push(Row::new(
            format!(
                "stdio pipelined, {} ({} in flight, {n} calls)",
                call.name(),
                plan.window
            ),
            "stdio_pipelined",
            res,
        ));
    }
    Ok(())
}

fn stdio_burst(plan: &Plan, report: &mut Report) -> Res<()> {
    let t = Template::new(Call::Add, false);
    let res = rounds(plan, &stdio_servers(), |s| {
        let mut c = StdioConn::spawn(s)?;
        c.initialize()?;
        c.pipelined(&t, plan.burst, None)
    })?;
    report.push(Row::new(
        format!("stdio burst, add ({} calls written at once)", plan.burst),
        "stdio_burst",
        res,
    ));
    Ok(())
}

fn stdio_sequential(plan: &Plan, report: &mut Report) -> Res<()> {
    let old = pin_to(latency_cpu());
    let result: Res<()> = (|| {
        for call in [Call::Add, Call::Echo1k] {
            progress(&format!("  stdio sequential {}", call.name()));
            report.push(Row::new(
                format!(
                    "stdio sequential round trips, {} (pinned to 1 CPU)",
                    call.name()
                ),
                "stdio_sequential",
                sequential_rounds(plan, call)?,
            ));
        }
        Ok(())
    })();
    restore_affinity(&old);
    result?;
    // Unpinned too, as MCP clients run servers: a server whose reply wakes a second thread
    // pays for it only here (pinned, Tokio starts a single worker).
    progress("  stdio sequential add, unpinned");
    report.push(Row::new(
        "stdio sequential round trips, add (unpinned)".to_string(),
        "stdio_sequential_unpinned",
        sequential_rounds(plan, Call::Add)?,
    ));
    Ok(())
}

/// Every stdio server answering `call` sequentially, in rounds.
fn sequential_rounds(plan: &Plan, call: Call) -> Res<Vec<(&'static str, Sample)>> {
    let t = Template::new(call, false);
    rounds(plan, &stdio_servers(), |s| {
        let mut c = StdioConn::spawn(s)?;
        c.initialize()?;
        let sample = c.sequential(&t, plan.warmup, plan.sequential, plan.max)?;
        c.close();
        Ok(sample)
    })
}

/// `server`'s `tools/list` result, as the text of its JSON value.
fn list_result(server: &ServerCmd) -> Res<Vec<u8>> {
    #[derive(serde::Deserialize)]
    struct Reply<'a> {
        #[serde(borrow)]
        result: &'a serde_json::value::RawValue,
    }
    let mut c = StdioConn::spawn(server)?;
    c.initialize()?;
    c.send(&Template::new(Call::List, false).bytes(1))?;
    let reply = c.recv()?.to_vec();
    c.close();
    let reply: Reply<'_> =
        serde_json::from_slice(&reply).map_err(|e| format!("tools/list reply: {e}"))?;
    Ok(reply.result.get().as_bytes().to_vec())
}

fn list_1k(plan: &Plan, report: &mut Report) -> Res<()> {
    let mcpserve = ServerCmd::new(LABELS[0], "srv-mcpserve-1k", &[]);
    // The limit answers with mcpserve's own 1,000-tool page, byte for byte: the same
    // bytes through the same pipe, with nothing but one borrowed parse of the request.
    let page = list_result(&mcpserve)?;
    let page_file =
        std::env::temp_dir().join(format!("mcpserve-bench-list-{}.json", std::process::id()));
    std::fs::write(&page_file, page).map_err(|e| format!("write {}: {e}", page_file.display()))?;
    let page_path: &'static str =
        Box::leak(page_file.to_string_lossy().into_owned().into_boxed_str());
    let servers = vec![
        mcpserve,
        ServerCmd::new(LABELS[1], "srv-rmcp-1k", &["stdio"]),
        ServerCmd::new(LABELS[2], "srv-rmcp-1k", &["stdio-pipes"]),
        ServerCmd::new(LABELS[3], "srv-limit", &["stdio-list", page_path]),
    ];
    let old = pin_to(latency_cpu());
    let n = (plan.sequential / 10).max(20);
    let result = rounds(plan, &servers, |s| {
        let mut c = StdioConn::spawn(s)?;
        c.initialize()?;
        let ping = c.sequential(
            &Template::new(Call::Ping, false),
            plan.warmup / 10,
            n,
            plan.max,
        )?;
        let mut list = c.sequential(
            &Template::new(Call::List, false),
            plan.warmup / 10,
            n,
            plan.max,
        )?;
        c.close();
        // What the list costs beyond a ping's round trip: server-side work plus moving the
        // bigger response through the pipe (so an upper bound on the server's share).
        list.extra = Some(list.p50_us - ping.p50_us);
        Ok(list)
    });
    // The server-side share, without any transport: mcpserve's dispatcher in-process.
    let inproc = std::process::Command::new(crate::proc::bin_path("srv-mcpserve-1k"))
        .args(["inproc", &n.max(200).to_string()])
        .output();
    restore_affinity(&old);
    match inproc {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            let mut it = text.split_whitespace();
            let (p50, p99) = (it.next().unwrap_or("?"), it.next().unwrap_or("?"));
            report.notes.push(format!(
                "tools/list with 1,000 tools, mcpserve server-side (dispatcher in-process, no transport, pinned): p50 {p50} µs, p99 {p99} µs"
            ));
            eprintln!("{}", report.notes.last().map_or("", String::as_str));
        }
        Ok(o) => report.failures.push(format!(
            "srv-mcpserve-1k inproc: {}",
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => report.failures.push(format!("srv-mcpserve-1k inproc: {e}")),
    }
    let _ = std::fs::remove_file(&page_file);
    report.push(Row::new(
        "tools/list with 1,000 tools, sequential (pinned to 1 CPU); extra = p50 − ping p50 µs; limit = mcpserve's page written back canned"
            .to_string(),
        "tools_list_1k",
        result?,
    ));
    Ok(())
}

fn cold_start(plan: &Plan, report: &mut Report) -> Res<()> {
    let init = wire::initialize("2025-11-25");
    let list = Template::new(Call::List, false).bytes(7);
    let servers = stdio_servers();
    let mut times = vec![Vec::with_capacity(plan.cold); servers.len()];
    let mut rss = vec![Vec::with_capacity(plan.cold); servers.len()];
    // The servers take turns, one start each per round: a start costs a few ms, and
    // this VM's pace drifts over seconds, which spawns in a row would charge to one server.
    for _ in 0..plan.cold {
        for (i, s) in servers.iter().enumerate() {
            let t0 = Instant::now();
            let mut c = StdioConn::spawn(s)?;
            c.send(&init)?;
            c.send(wire::INITIALIZED)?;
            c.send(&list)?;
            loop {
                let line = c.recv()?;
                if wire::response_id(line) == Some(7) {
                    break;
                }
            }
            times[i].push(t0.elapsed().as_secs_f64() * 1e6);
            rss[i].push(c.peak_rss_kib().unwrap_or(0) as f64);
            c.close();
        }
    }
    let mut out = Vec::new();
    for ((s, mut times), rss) in servers.iter().zip(times).zip(rss) {
        let p50 = median(times.clone());
        times.sort_by(f64::total_cmp);
        let p99 = times[((times.len() as f64 - 1.0) * 0.99).round() as usize];
        out.push((
            s.label,
            Sample {
                count: plan.cold as u64,
                p50_us: p50,
                p99_us: p99,
                peak_rss_kib: Some(median(rss) as u64),
                ..Sample::default()
            },
        ));
    }
    report.push(Row::new(
        "cold start: spawn → initialize → first tools/list response (µs)".to_string(),
        "cold_start",
        out,
    ));
    Ok(())
}

/// One round of `add` calls over HTTP against a freshly started `s`, with its peak RSS.
fn http_add(
    plan: &Plan,
    rt: &tokio::runtime::Runtime,
    s: &ServerCmd,
    era: Era,
    conns: usize,
) -> Res<Sample> {
    let server = HttpServer::start(s).map_err(|e| e.to_string())?;
    let mut sample = rt.block_on(http::load(
        &server.addr,
        Call::Add,
        era,
        conns,
        plan.http,
        plan.max,
    ))?;
    sample.peak_rss_kib = status_kib(server.pid(), "VmHWM");
    Ok(sample)
}

fn http_stateless(plan: &Plan, report: &mut Report, rt: &tokio::runtime::Runtime) -> Res<()> {
    let servers = http_servers(plan, Era::Stateless);
    for &conns in &plan.http_conns {
        progress(&format!("  http stateless, {conns} connections"));
        let res = rounds(plan, &servers, |s| {
            http_add(plan, rt, s, Era::Stateless, conns)
        })?;
        let mut row = Row::new(
            format!("HTTP 2026-07-28 stateless POST, add, {conns} connections"),
            "http_stateless",
            res,
        );
        row.concurrency = Some(conns);
        report.push(row);
    }
    Ok(())
}

fn http_session(plan: &Plan, report: &mut Report, rt: &tokio::runtime::Runtime) -> Res<()> {
    let servers = http_servers(plan, Era::Session);
    for conns in [1, 16] {
        progress(&format!("  http session, {conns} connections"));
        let res = rounds(plan, &servers, |s| {
            http_add(plan, rt, s, Era::Session, conns)
        })?;
        let mut row = Row::new(
            format!(
                "HTTP 2025-11-25 session era, add, {conns} connections (one session each; rmcp and the limit reply with SSE, mcpserve with a JSON body unless the handler streams)"
            ),
            "http_session",
            res,
        );
        row.concurrency = Some(conns);
        report.push(row);
    }
    Ok(())
}

fn idle_sessions(plan: &Plan, report: &mut Report, rt: &tokio::runtime::Runtime) -> Res<()> {
    let mut servers = Vec::new();
    if plan.mcpserve_http {
        servers.push(ServerCmd::new(
            LABELS[0],
            "srv-mcpserve",
            &["http", "{addr}"],
        ));
    }
    // Memory per session does not depend on Nagle, and the default would take 40 ms a request.
    servers.push(ServerCmd::new(
        LABELS[2],
        "srv-rmcp",
        &["http-session-fast", "{addr}"],
    ));
    for &count in &plan.sessions {
        progress(&format!("  {count} idle sessions"));
        let mut out = Vec::new();
        for s in &servers {
            let server = HttpServer::start(s).map_err(|e| e.to_string())?;
            rt.block_on(http::open_sessions(&server.addr, 10, 1))?;
            std::thread::sleep(Duration::from_millis(200));
            let before = status_kib(server.pid(), "VmRSS").unwrap_or(0);
            let t0 = Instant::now();
            rt.block_on(http::open_sessions(&server.addr, count, 16))
                .map_err(|e| format!("{}: {e}", s.label))?;
            let secs = t0.elapsed().as_secs_f64();
            std::thread::sleep(Duration::from_millis(500));
            let after = status_kib(server.pid(), "VmRSS").unwrap_or(0);
            out.push((
                s.label,
                Sample {
                    count,
                    secs,
                    throughput: count as f64 / secs,
                    peak_rss_kib: status_kib(server.pid(), "VmHWM"),
                    extra: Some(after.saturating_sub(before) as f64 / count as f64),
                    ..Sample::default()
                },
            ));
        }
        report.push(Row::new(
            format!("{count} idle legacy HTTP sessions; extra = KiB RSS per session, calls/s = sessions opened/s"),
            "idle_sessions",
            out,
        ));
    }
    Ok(())
}

/// The proxy's overhead: `add` direct vs through `examples/proxy.rs`'s setup (mcpserve
/// proxy with no namespace, the same server behind it), on the same transport, and
/// through the relay limit (a process that copies bytes both ways, the same server
/// behind it): the share of direct throughput any proxy process in the path leaves.
fn proxy(plan: &Plan, report: &mut Report, rt: &tokio::runtime::Runtime) -> Res<()> {
    if !plan.mcpserve_http {
        return Err("needs --features mcpserve-http (the proxy)".into());
    }
    let stdio = vec![
        ServerCmd::new(LABELS[0], "srv-mcpserve", &["stdio"]),
        ServerCmd::new(LABELS[5], "srv-mcpserve", &["proxy-stdio"]),
        ServerCmd::new(LABELS[6], "srv-limit", &["relay-stdio"]),
    ];
    let t = Template::new(Call::Add, false);
    progress("  proxy: stdio sequential add");
    let old = pin_to(latency_cpu());
    let res = rounds(plan, &stdio, |s| {
        let mut c = StdioConn::spawn(s)?;
        c.initialize()?;
        let sample = c.sequential(&t, plan.warmup, plan.sequential, plan.max)?;
        c.close();
        Ok(sample)
    });
    restore_affinity(&old);
    report.push(Row::new(
        "proxy: stdio sequential round trips, add, direct vs proxied (pinned to 1 CPU)".into(),
        "proxy",
        res?,
    ));
    progress("  proxy: stdio pipelined add");
    let res = rounds(plan, &stdio, |s| {
        let mut c = StdioConn::spawn(s)?;
        c.initialize()?;
        c.pipelined(&t, plan.pipelined / 2, Some(plan.window))
    })?;
    report.push(Row::new(
        format!(
            "proxy: stdio pipelined, add ({} in flight), direct vs proxied",
            plan.window
        ),
        "proxy",
        res,
    ));
    let http = vec![
        ServerCmd::new(LABELS[0], "srv-mcpserve", &["http", "{addr}"]),
        ServerCmd::new(LABELS[5], "srv-mcpserve", &["proxy-http", "{addr}"]),
        ServerCmd::new(LABELS[6], "srv-limit", &["relay-http", "{addr}"]),
    ];
    for conns in [1, 16] {
        progress(&format!("  proxy: http stateless, {conns} connections"));
        let res = rounds(plan, &http, |s| {
            http_add(plan, rt, s, Era::Stateless, conns)
        })?;
        let mut row = Row::new(
            format!("proxy: HTTP 2026-07-28 stateless POST, add, {conns} connections, direct vs proxied"),
            "proxy",
            res,
        );
        row.concurrency = Some(conns);
        report.push(row);
    }
    Ok(())
}
