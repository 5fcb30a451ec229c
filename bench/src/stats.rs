//! One measurement and its summary numbers.

use serde::Serialize;

/// What one run of one server in one scenario measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Sample {
    /// Completed requests.
    pub count: u64,
    /// Wall time of the measured part, seconds.
    pub secs: f64,
    /// Requests per second.
    pub throughput: f64,
    /// Median latency, microseconds.
    pub p50_us: f64,
    /// 99th percentile latency, microseconds.
    pub p99_us: f64,
    /// Worst latency, microseconds.
    pub max_us: f64,
    /// Peak resident set of the server process (VmHWM), KiB.
    pub peak_rss_kib: Option<u64>,
    /// A scenario-specific number (e.g. KiB per idle session).
    pub extra: Option<f64>,
}

impl Sample {
    /// Builds a sample from latencies in nanoseconds.
    pub fn from_latencies(mut lat_ns: Vec<u64>, secs: f64) -> Sample {
        lat_ns.sort_unstable();
        let count = lat_ns.len() as u64;
        Sample {
            count,
            secs,
            throughput: if secs > 0.0 { count as f64 / secs } else { 0.0 },
            p50_us: percentile(&lat_ns, 0.50) / 1000.0,
            p99_us: percentile(&lat_ns, 0.99) / 1000.0,
            max_us: lat_ns.last().map_or(0.0, |&v| v as f64 / 1000.0),
            peak_rss_kib: None,
            extra: None,
        }
    }
}

fn percentile(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i] as f64
}

/// Median of the values (NaN-free input).
pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The per-field medians of several runs of the same server (the A B A B rounds).
pub fn median_sample(runs: &[Sample]) -> Sample {
    let m = |f: fn(&Sample) -> f64| median(runs.iter().map(f).collect());
    let rss: Vec<f64> = runs
        .iter()
        .filter_map(|s| s.peak_rss_kib.map(|k| k as f64))
        .collect();
    let extra: Vec<f64> = runs.iter().filter_map(|s| s.extra).collect();
    Sample {
        count: m(|s| s.count as f64) as u64,
        secs: m(|s| s.secs),
        throughput: m(|s| s.throughput),
        p50_us: m(|s| s.p50_us),
        p99_us: m(|s| s.p99_us),
        max_us: m(|s| s.max_us),
        peak_rss_kib: (!rss.is_empty()).then(|| median(rss) as u64),
        extra: (!extra.is_empty()).then(|| median(extra)),
    }
}
