//! `mcpserve-bench [all] [--smoke] [--only NAME] [--call NAME] [--out DIR]`: runs every scenario against mcpserve,
//! rmcp and the bare limit, prints the tables and writes `DIR/results.{json,md}` and
//! `DIR/http_throughput.svg` (default DIR: `bench-results`).
//!
//! Build every server first: `cargo build --release -p mcpserve-bench --bins`
//! (or use `bench/run.sh`, which does both).

use mcpserve_bench::report::{self, Machine, Report};
use mcpserve_bench::scenarios::{self, Plan};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("load-http") {
        return load_http(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("sustained") {
        return sustained(&args[1..]);
    }
    let mut smoke = false;
    let mut out = std::path::PathBuf::from("bench-results");
    let mut only = None;
    let mut call = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "all" => {}
            "--smoke" => smoke = true,
            "--out" => out = it.next().expect("--out DIR").into(),
            "--only" => only = Some(it.next().expect("--only NAME").clone()),
            "--call" => call = Some(it.next().expect("--call NAME").clone()),
            "-h" | "--help" => {
                eprintln!(
                    "usage: mcpserve-bench [all] [--smoke] [--only NAME] [--call NAME] [--out DIR]"
                );
                return;
            }
            other => {
                eprintln!(
                    "unknown argument `{other}`; usage: mcpserve-bench [all] [--smoke] [--only NAME] [--call NAME] [--out DIR]"
                );
                std::process::exit(2);
            }
        }
    }
    report::elapsed();
    let mut plan = if smoke { Plan::smoke() } else { Plan::full() };
    plan.only = only;
    plan.call = call;
    let mut report = Report {
        machine: Machine::detect(),
        mode: if smoke { "smoke" } else { "full" }.into(),
        ..Report::default()
    };
    if !plan.mcpserve_http {
        eprintln!("note: mcpserve HTTP rows need `--features mcpserve-http`; HTTP compares rmcp and the limit only");
    }
    scenarios::run_all(&plan, &mut report);
    report.machine.load_end = report::loadavg();

    let md = report.markdown();
    println!("{md}");
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("cannot create {}: {e}", out.display());
        std::process::exit(1);
    }
    let json = serde_json::to_string_pretty(&report).expect("report serializes");
    let writes = [
        std::fs::write(out.join("results.json"), json),
        std::fs::write(out.join("results.md"), &md),
    ];
    for w in writes {
        if let Err(e) = w {
            eprintln!("write results: {e}");
        }
    }
    if let Err(e) = mcpserve_bench::plot::http_throughput(&report, &out.join("http_throughput.svg"))
    {
        eprintln!("plot: {e}");
    }
    eprintln!("results in {}/ ({:.0}s)", out.display(), report::elapsed());
    if !report.failures.is_empty() {
        std::process::exit(1);
    }
}

/// `mcpserve-bench load-http ADDR CONNS SECS [stateless|session]`: drives an already
/// running server with `add` calls, 2026-07-28 stateless ones by default or session-era
/// ones (each connection initializes its own session), for profiling a server under
/// `perf record`, and prints calls/s.
fn load_http(args: &[String]) {
    const USAGE: &str = "usage: mcpserve-bench load-http ADDR CONNS SECS [stateless|session]";
    let (addr, conns, secs, era) = match args {
        [addr, conns, secs] => (addr, conns, secs, mcpserve_bench::http::Era::Stateless),
        [addr, conns, secs, era] => {
            let era = match era.as_str() {
                "stateless" => mcpserve_bench::http::Era::Stateless,
                "session" => mcpserve_bench::http::Era::Session,
                _ => {
                    eprintln!("{USAGE}");
                    std::process::exit(2);
                }
            };
            (addr, conns, secs, era)
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let conns: usize = conns.parse().expect("CONNS is a number");
    let secs: u64 = secs.parse().expect("SECS is a number");
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let sample = rt.block_on(mcpserve_bench::http::load(
        addr,
        mcpserve_bench::wire::Call::Add,
        era,
        conns,
        u64::MAX,
        std::time::Duration::from_secs(secs),
    ));
    match sample {
        Ok(s) => println!(
            "{} calls, {:.0} calls/s, p50 {:.1} µs, p99 {:.1} µs, max {:.0} µs",
            s.count, s.throughput, s.p50_us, s.p99_us, s.max_us
        ),
        Err(e) => {
            eprintln!("load-http: {e}");
            std::process::exit(1);
        }
    }
}

/// `mcpserve-bench sustained SECS [--out DIR]`: pipelined stdio and 64-connection HTTP
/// against mcpserve for SECS seconds, RSS sampled every second; writes
/// `DIR/sustained.{json,svg}` and prints RSS after warm-up, its maximum and the last sample.
fn sustained(args: &[String]) {
    const USAGE: &str = "usage: mcpserve-bench sustained SECS [--out DIR]";
    let (secs, out) = match args {
        [secs] => (secs, "bench-results".into()),
        [secs, flag, dir] if flag == "--out" => (secs, std::path::PathBuf::from(dir)),
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let secs: u64 = secs.parse().expect("SECS is a number");
    let run = match mcpserve_bench::sustained::run(secs) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("sustained: {e}");
            std::process::exit(1);
        }
    };
    std::fs::create_dir_all(&out).expect("create the output directory");
    let json = serde_json::to_string_pretty(&run).expect("samples serialize");
    std::fs::write(out.join("sustained.json"), json).expect("write sustained.json");
    if let Err(e) = mcpserve_bench::sustained::plot(&run, &out.join("sustained.svg")) {
        eprintln!("plot: {e}");
    }
    let mib = |k: u64| k as f64 / 1024.0;
    for (name, f) in [
        ("stdio", run.flatness(|t| t.stdio_rss_kib)),
        ("HTTP", run.flatness(|t| t.http_rss_kib)),
    ] {
        let calls: u64 = run
            .ticks
            .iter()
            .map(|t| {
                if name == "stdio" {
                    t.stdio_calls
                } else {
                    t.http_calls
                }
            })
            .sum();
        if let Some(f) = f {
            println!(
                "{name}: {calls} calls in {} s; RSS after warm-up {:.1} MiB, max {:.1} MiB, last {:.1} MiB",
                run.ticks.len(),
                mib(f.after_warmup_kib),
                mib(f.max_kib),
                mib(f.last_kib)
            );
        }
    }
    eprintln!("samples and plot in {}/", out.display());
}
