//! Property tests that fuzz the decoders a hostile peer reaches first: JSON-RPC framing
//! and envelope parsing, the params index and prefilters, the URI template matcher and
//! the `requestState` codec. They run in `cargo test` on stable with proptest's default
//! case count (256 per property, a few seconds in all); a longer run sets
//! `PROPTEST_CASES`, e.g. `PROPTEST_CASES=200000 cargo test -p mcp-runtime --lib fuzz`.
//! Failures proptest finds are saved under `proptest-regressions/` (committed) and
//! replayed first on every run; each one fixed also gets a named regression test.
//!
//! The dispatcher is fuzzed end to end from the facade crate (`tests/fuzz_dispatch.rs`),
//! where `#[tool]`, `#[resource]` and `#[prompt]` can register one of every kind.

mod gen;
mod jsonrpc;
mod lines;
mod request_state;
mod uri_template;
