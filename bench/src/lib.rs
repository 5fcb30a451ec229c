//! The mcpserve benchmark harness: a Rust load generator that drives three servers exposing
//! the same tools (mcpserve, rmcp 3.11, and a bare serde_json loop as the limit) over stdio
//! and streamable HTTP, and reports throughput, latency percentiles and peak RSS side by side.
#![warn(missing_docs)]

pub mod http;
pub mod limit;
pub mod plot;
pub mod proc;
pub mod report;
pub mod rmcp_common;
pub mod scenarios;
pub mod stats;
pub mod stdio;
pub mod sustained;
pub mod wire;
