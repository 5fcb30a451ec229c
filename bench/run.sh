#!/usr/bin/env bash
# One command for the whole benchmark: builds every bench server in release mode and runs
# all scenarios. Extra arguments go to the harness (`--smoke`, `--out DIR`).
# Set MCPSERVE_BENCH_FEATURES=mcpserve-http to include mcpserve's HTTP server.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
features=()
if [ -n "${MCPSERVE_BENCH_FEATURES:-}" ]; then
    features=(--features "$MCPSERVE_BENCH_FEATURES")
fi
cargo build --release --locked -p mcpserve-bench --bins "${features[@]}"
exec "${CARGO_TARGET_DIR:-target}/release/mcpserve-bench" all "$@"
