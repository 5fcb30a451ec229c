//! Compile-time behaviour of every macro, in one trybuild project (one dependency build):
//! each `fail/` case holds one mistake and its committed `.stderr` is the message users
//! see; `pass/` cases cover what the macros accept and run (`newcomer/` is the README's
//! code, built with nothing but the README's dependencies).
//!
//! The `.stderr` files are rustc's wording, which changes between releases, so they are
//! checked only on the pinned toolchain (`PINNED` below, the one CI runs); on any other
//! toolchain the test is reported as ignored, with the reason, in `cargo test`'s output.
//! To move the pin: update `PINNED` and the `rustversion` attributes, then regenerate with
//! `TRYBUILD=overwrite cargo test -p mcpserve-ui` and review the diff.

/// The toolchain the snapshots were generated with.
const PINNED: &str = "1.95";

#[rustversion::attr(
    not(stable(1.95)),
    ignore = "UI snapshots are pinned to rustc 1.95; this toolchain differs (CI runs the pinned one)"
)]
#[test]
fn ui() {
    facade_only();
    let t = trybuild::TestCases::new();
    t.pass("newcomer/*.rs");
    t.pass("tool/pass/*.rs");
    t.compile_fail("tool/fail/*.rs");
    t.compile_fail("resource/fail/*.rs");
    t.compile_fail("prompt/fail/*.rs");
    t.compile_fail("elicit/fail/*.rs");
}

/// A silently ignored suite would hide diagnostics regressions, so CI must run the pinned
/// toolchain.
#[rustversion::not(stable(1.95))]
#[test]
fn ui_toolchain_is_the_pinned_one_in_ci() {
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "CI must run the pinned toolchain (rustc {PINNED}) so the UI snapshots are checked"
    );
}

/// The cases are user code: they may name `mcpserve` (and `tokio`, as the README's
/// `main` does) and nothing else. This package depends on nothing else either, so the
/// compiler enforces it; the scan gives a clearer message.
fn facade_only() {
    let _ = PINNED;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [
        "newcomer",
        "tool/pass",
        "tool/fail",
        "resource/fail",
        "prompt/fail",
        "elicit/fail",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).expect("ui dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read case");
            for (n, line) in text.lines().enumerate() {
                let direct = [
                    "serde::",
                    "serde_json",
                    "schemars::",
                    "mcp_runtime",
                    "mcp_macros",
                    "inventory",
                ]
                .iter()
                .any(|c| line.contains(c) && !line.contains(&format!("mcpserve::{c}")));
                assert!(
                    !direct,
                    "{}:{}: UI cases may only use the `mcpserve` facade: {line}",
                    path.display(),
                    n + 1
                );
            }
        }
    }
}
