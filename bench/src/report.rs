//! Results: the console/markdown table with ratios, and the JSON dump.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::Instant;

use serde::Serialize;

use crate::scenarios::LABELS;
use crate::stats::Sample;

static START: OnceLock<Instant> = OnceLock::new();

/// Seconds since the harness started.
pub fn elapsed() -> f64 {
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// One scenario's results, one sample per server.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Human title.
    pub title: String,
    /// Machine-readable scenario kind.
    pub kind: &'static str,
    /// Connections, for HTTP rows.
    pub concurrency: Option<usize>,
    /// (server label, median sample).
    pub results: Vec<(&'static str, Sample)>,
}

impl Row {
    /// A row.
    pub fn new(title: String, kind: &'static str, results: Vec<(&'static str, Sample)>) -> Row {
        Row {
            title,
            kind,
            concurrency: None,
            results,
        }
    }

    /// The sample of server `label`.
    pub fn get(&self, label: &str) -> Option<&Sample> {
        self.results
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, s)| s)
    }
}

/// Everything one run measured.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Machine and load description.
    pub machine: Machine,
    /// `full` or `smoke`.
    pub mode: String,
    /// Rows in run order.
    pub rows: Vec<Row>,
    /// Scenarios that failed, with the reason.
    pub failures: Vec<String>,
    /// Single measurements that are not a side-by-side row.
    pub notes: Vec<String>,
}

/// Where the numbers come from.
#[derive(Debug, Default, Serialize)]
pub struct Machine {
    /// CPU model.
    pub cpu: String,
    /// CPUs the harness may use.
    pub cpus: usize,
    /// Kernel release.
    pub kernel: String,
    /// /proc/loadavg at start.
    pub load_start: String,
    /// /proc/loadavg at the end.
    pub load_end: String,
    /// UTC start time (seconds since the epoch).
    pub started_unix: u64,
}

impl Machine {
    /// Reads the machine description.
    pub fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        Machine {
            cpu: cpuinfo
                .lines()
                .find_map(|l| l.strip_prefix("model name")?.split(':').nth(1))
                .unwrap_or("unknown")
                .trim()
                .to_owned(),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            kernel: read_trim("/proc/sys/kernel/osrelease"),
            load_start: read_trim("/proc/loadavg"),
            load_end: String::new(),
            started_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

/// /proc/loadavg, trimmed.
pub fn loadavg() -> String {
    read_trim("/proc/loadavg")
}

fn read_trim(path: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

impl Report {
    /// Adds a row and prints it.
    pub fn push(&mut self, row: Row) {
        eprintln!("{}", row_markdown(&row, true));
        self.rows.push(row);
    }

    /// The whole report as markdown.
    pub fn markdown(&self) -> String {
        let m = &self.machine;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Machine: {} vCPU ({}), Linux {}. Load average at start: {}; at end: {}. Mode: {}.\n",
            m.cpus, m.cpu, m.kernel, m.load_start, m.load_end, self.mode
        );
        for row in &self.rows {
            s.push_str(&row_markdown(row, false));
            s.push('\n');
        }
        if !self.notes.is_empty() {
            s.push_str("Notes:\n\n");
            for n in &self.notes {
                let _ = writeln!(s, "* {n}");
            }
            s.push('\n');
        }
        if !self.failures.is_empty() {
            s.push_str("Failed scenarios:\n\n");
            for f in &self.failures {
                let _ = writeln!(s, "* {f}");
            }
        }
        s
    }
}

/// A row as a markdown table: one line per metric, one column per server, plus ratios.
pub fn row_markdown(row: &Row, heading_only_bold: bool) -> String {
    let mut s = String::new();
    if heading_only_bold {
        let _ = writeln!(s, "\n{}", row.title);
    } else {
        let _ = writeln!(s, "**{}**\n", row.title);
    }
    let present: Vec<&str> = LABELS
        .iter()
        .copied()
        .filter(|l| row.get(l).is_some())
        .collect();
    let _ = write!(s, "| metric |");
    for l in &present {
        let _ = write!(s, " {l} |");
    }
    let proxied = row.kind == "proxy";
    if proxied {
        let _ = writeln!(
            s,
            " proxied / direct | proxied − direct | relay / direct | relay − direct |"
        );
    } else {
        let _ = writeln!(s, " mcpserve / rmcp best | mcpserve / limit |");
    }
    let _ = write!(s, "|---|");
    for _ in &present {
        let _ = write!(s, "---:|");
    }
    let _ = writeln!(
        s,
        "{}",
        if proxied {
            "---:|---:|---:|---:|"
        } else {
            "---:|---:|"
        }
    );
    type Metric = (&'static str, fn(&Sample) -> Option<f64>, fn(f64) -> String);
    let metrics: [Metric; 6] = [
        (
            "calls/s",
            |x| (x.throughput > 0.0).then_some(x.throughput),
            |v| format!("{v:.0}"),
        ),
        (
            "p50 µs",
            |x| (x.p50_us > 0.0).then_some(x.p50_us),
            |v| format!("{v:.1}"),
        ),
        (
            "p99 µs",
            |x| (x.p99_us > 0.0).then_some(x.p99_us),
            |v| format!("{v:.1}"),
        ),
        (
            "max µs",
            |x| (x.max_us > 0.0).then_some(x.max_us),
            |v| format!("{v:.0}"),
        ),
        (
            "peak RSS MiB",
            |x| x.peak_rss_kib.map(|k| k as f64 / 1024.0),
            |v| format!("{v:.1}"),
        ),
        ("extra", |x| x.extra, |v| format!("{v:.1}")),
    ];
    for (name, get, fmt) in metrics {
        let vals: Vec<Option<f64>> = present.iter().map(|l| row.get(l).and_then(get)).collect();
        if vals.iter().all(Option::is_none) {
            continue;
        }
        let _ = write!(s, "| {name} |");
        for v in &vals {
            let _ = write!(s, " {} |", v.map(fmt).unwrap_or_else(|| "—".into()));
        }
        let ours = row.get("mcpserve").and_then(get);
        if proxied {
            let against_direct = |label: &str| match (row.get(label).and_then(get), ours) {
                (Some(p), Some(d)) if d != 0.0 => format!(" {:.2}× | {} |", p / d, fmt(p - d)),
                _ => " — | — |".into(),
            };
            let _ = writeln!(
                s,
                "{}{}",
                against_direct("mcpserve proxied"),
                against_direct("relay limit")
            );
            continue;
        }
        let ratio = |other: &str| match (ours, row.get(other).and_then(get)) {
            (Some(a), Some(b)) if b != 0.0 => format!("{:.2}×", a / b),
            _ => "—".into(),
        };
        let _ = writeln!(s, " {} | {} |", ratio("rmcp best"), ratio("limit"));
    }
    s
}
