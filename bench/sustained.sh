#!/usr/bin/env bash
# Sustained load against mcpserve: pipelined stdio (64 in flight) and 64 HTTP connections
# at the same time for MINUTES (default 10), RSS sampled every second. Writes
# bench-results/sustained.{json,svg}; BENCHMARKS.md shows a committed copy of the plot
# (bench/sustained.svg).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
minutes="${1:-10}"
cargo build --release --locked -p mcpserve-bench --bin mcpserve-bench --bin srv-mcpserve
exec "${CARGO_TARGET_DIR:-target}/release/mcpserve-bench" sustained "$((minutes * 60))" --out bench-results
