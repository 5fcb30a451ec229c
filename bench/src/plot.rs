//! SVG plot of HTTP throughput against concurrency, one line per server.

use plotters::prelude::*;

use crate::report::Report;
use crate::scenarios::LABELS;

/// Draws the stateless-HTTP rows of `report` into `path`; does nothing without such rows.
pub fn http_throughput(report: &Report, path: &std::path::Path) -> Result<(), String> {
    let rows: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.kind == "http_stateless" && r.concurrency.is_some())
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let max_c = rows.iter().filter_map(|r| r.concurrency).max().unwrap_or(1) as f64;
    let max_t = rows
        .iter()
        .flat_map(|r| r.results.iter().map(|(_, s)| s.throughput))
        .fold(1.0, f64::max);
    let root = SVGBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "HTTP stateless tools/call throughput vs connections",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((0.8f64..max_c * 1.25).log_scale(), 0.0..max_t * 1.1)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("concurrent connections")
        .y_desc("calls/s")
        .draw()
        .map_err(|e| e.to_string())?;
    let colors = [RED, BLUE, CYAN, BLACK, MAGENTA];
    for (label, color) in LABELS.iter().zip(colors) {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter_map(|r| Some((r.concurrency? as f64, r.get(label)?.throughput)))
            .collect();
        if points.is_empty() {
            continue;
        }
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(*label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        chart
            .draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 4, color.filled())),
            )
            .map_err(|e| e.to_string())?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
