//! Sustained load: mcpserve over stdio (pipelined, 64 in flight) and over HTTP (64
//! keep-alive connections, stateless 2026-07-28 calls) at the same time for a fixed
//! duration, with each server's RSS and throughput sampled every second. Writes
//! `sustained.json` (the samples) and `sustained.svg` (the plot) and reports whether RSS
//! stayed flat after warm-up.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use plotters::prelude::*;
use serde::Serialize;

use crate::http::Conn;
use crate::proc::{status_kib, HttpServer, ServerCmd};
use crate::stdio::StdioConn;
use crate::wire::{self, Call, Template};

type Res<T> = Result<T, String>;

/// Connections of the HTTP half and requests in flight on the stdio half.
pub const CONCURRENCY: usize = 64;

/// One second of the run.
#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    /// Seconds since the start.
    pub t: u64,
    /// VmRSS of the stdio server, KiB.
    pub stdio_rss_kib: u64,
    /// VmRSS of the HTTP server, KiB.
    pub http_rss_kib: u64,
    /// stdio calls answered during this second.
    pub stdio_calls: u64,
    /// HTTP calls answered during this second.
    pub http_calls: u64,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// Requested duration, seconds.
    pub secs: u64,
    /// One sample per second.
    pub ticks: Vec<Tick>,
}

/// RSS figures of one server over a run.
#[derive(Debug, Clone, Copy)]
pub struct Flatness {
    /// RSS at the end of warm-up (the first tenth of the run, at least 10 s), KiB.
    pub after_warmup_kib: u64,
    /// Highest RSS after warm-up, KiB.
    pub max_kib: u64,
    /// RSS at the last sample, KiB.
    pub last_kib: u64,
}

impl Run {
    /// RSS after warm-up, its maximum and the last sample for one server.
    pub fn flatness(&self, rss: impl Fn(&Tick) -> u64) -> Option<Flatness> {
        let warm = (self.ticks.len() / 10)
            .max(10)
            .min(self.ticks.len().saturating_sub(1));
        let after = self.ticks.get(warm..)?;
        Some(Flatness {
            after_warmup_kib: rss(after.first()?),
            max_kib: after.iter().map(&rss).max()?,
            last_kib: rss(after.last()?),
        })
    }
}

/// Runs both loads for `secs` seconds.
pub fn run(secs: u64) -> Res<Run> {
    let stdio_cmd = ServerCmd::new("mcpserve", "srv-mcpserve", &["stdio"]);
    let http_cmd = ServerCmd::new("mcpserve", "srv-mcpserve", &["http", "{addr}"]);
    let stop = Arc::new(AtomicBool::new(false));
    let stdio_done = Arc::new(AtomicU64::new(0));
    let http_done = Arc::new(AtomicU64::new(0));

    let mut stdio = StdioConn::spawn(&stdio_cmd)?;
    stdio.initialize()?;
    let stdio_pid = stdio.pid();
    let http = HttpServer::start(&http_cmd).map_err(|e| e.to_string())?;
    let http_pid = http.pid();

    let stdio_thread = {
        let (stop, done) = (stop.clone(), stdio_done.clone());
        std::thread::spawn(move || {
            let t = Template::new(Call::Add, false);
            stdio.sustained(&t, CONCURRENCY as u64, stop, done)
        })
    };
    let http_thread = {
        let (stop, done, addr) = (stop.clone(), http_done.clone(), http.addr.clone());
        std::thread::spawn(move || -> Res<()> {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(http_load(&addr, stop, done))
        })
    };

    let start = Instant::now();
    let mut ticks = Vec::with_capacity(secs as usize);
    let (mut last_stdio, mut last_http) = (0, 0);
    for t in 1..=secs {
        let at = start + Duration::from_secs(t);
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
        if stdio_thread.is_finished() || http_thread.is_finished() {
            break; // a load died: its error is reported below
        }
        let (s, h) = (
            stdio_done.load(Ordering::Relaxed),
            http_done.load(Ordering::Relaxed),
        );
        let tick = Tick {
            t,
            stdio_rss_kib: status_kib(stdio_pid, "VmRSS").unwrap_or(0),
            http_rss_kib: status_kib(http_pid, "VmRSS").unwrap_or(0),
            stdio_calls: s - last_stdio,
            http_calls: h - last_http,
        };
        (last_stdio, last_http) = (s, h);
        if t % 60 == 0 || t == secs {
            eprintln!(
                "sustained {t:>4}s: stdio {:>7} calls/s {:>6.1} MiB, HTTP {:>6} calls/s {:>6.1} MiB",
                tick.stdio_calls,
                tick.stdio_rss_kib as f64 / 1024.0,
                tick.http_calls,
                tick.http_rss_kib as f64 / 1024.0
            );
        }
        ticks.push(tick);
    }
    stop.store(true, Ordering::Relaxed);
    let s = stdio_thread.join().map_err(|_| "stdio load panicked")?;
    let h = http_thread.join().map_err(|_| "HTTP load panicked")?;
    drop(http);
    s.map_err(|e| format!("stdio: {e}"))?;
    h.map_err(|e| format!("HTTP: {e}"))?;
    Ok(Run { secs, ticks })
}

/// 64 connections posting stateless `add` calls back to back until `stop`.
async fn http_load(addr: &str, stop: Arc<AtomicBool>, done: Arc<AtomicU64>) -> Res<()> {
    let t = Arc::new(Template::new(Call::Add, true));
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(CONCURRENCY);
    for _ in 0..CONCURRENCY {
        let mut c = Conn::open(addr).await?;
        let (t, next, stop, done) = (t.clone(), next.clone(), stop.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let id = next.fetch_add(1, Ordering::Relaxed);
                let r = c.post(t.bytes(id), "2026-07-28", Some(&t)).await?;
                if r.status != 200 {
                    return Err(format!("HTTP {}: {}", r.status, wire::preview(&r.message)));
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, String>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// One plotted series: legend, colour and the value of a sample.
type Line = (&'static str, RGBColor, fn(&Tick) -> f64);

/// RSS (MiB, top) and throughput (calls/s, bottom) of both servers against time.
pub fn plot(run: &Run, path: &std::path::Path) -> Res<()> {
    let root = SVGBackend::new(path, (900, 640)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (top, bottom) = root.split_vertically(340);
    let rss_caption = format!(
        "mcpserve under sustained load ({} s): RSS, sampled every second",
        run.ticks.len()
    );
    panel(
        &top,
        run,
        (&rss_caption, "RSS MiB", 1.3, 2),
        [
            ("stdio, 64 in flight", BLUE, |t| {
                t.stdio_rss_kib as f64 / 1024.0
            }),
            ("HTTP, 64 connections", RED, |t| {
                t.http_rss_kib as f64 / 1024.0
            }),
        ],
    )?;
    panel(
        &bottom,
        run,
        ("calls answered per second", "calls/s", 1.15, 1),
        [
            ("stdio", BLUE, |t| t.stdio_calls as f64),
            ("HTTP", RED, |t| t.http_calls as f64),
        ],
    )?;
    root.present().map_err(|e| e.to_string())
}

/// One chart of two series against time: (caption, y axis, headroom, line width).
fn panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    run: &Run,
    (caption, y_desc, headroom, width): (&str, &str, f64, u32),
    lines: [Line; 2],
) -> Res<()> {
    let e = |e: DrawingAreaErrorKind<_>| e.to_string();
    let secs = run.ticks.last().map_or(1, |t| t.t).max(1) as f64;
    let max_y = run
        .ticks
        .iter()
        .flat_map(|t| lines.iter().map(move |(_, _, f)| f(t)))
        .fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 19))
        .margin(12)
        .x_label_area_size(35)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..secs, 0.0..max_y * headroom)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("seconds")
        .y_desc(y_desc)
        .draw()
        .map_err(e)?;
    for (label, color, f) in lines {
        let points: Vec<(f64, f64)> = run.ticks.iter().map(|t| (t.t as f64, f(t))).collect();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(width)))
            .map_err(e)?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(e)
}
