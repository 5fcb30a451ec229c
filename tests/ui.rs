//! Compile-time diagnostics of `#[tool]`: each `fail/` case holds one mistake and its
//! committed `.stderr` is the message users see; `pass/` cases cover everything the
//! macro accepts.
//!
//! The expected `.stderr` files are tied to the compiler's wording, so they are
//! generated with the toolchain pinned for this repository (rustc 1.95). With another
//! toolchain, set `MCPSERVE_SKIP_UI=1` to skip, or regenerate with `TRYBUILD=overwrite`
//! and review the diff. The cases depend only on `mcpserve` (and serde's derives through
//! `mcpserve::prelude`), like user code.

#[test]
fn ui() {
    if std::env::var_os("MCPSERVE_SKIP_UI").is_some() {
        eprintln!("MCPSERVE_SKIP_UI is set: skipping the trybuild UI tests");
        return;
    }
    facade_only();
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/tool/pass/*.rs");
    t.compile_fail("tests/ui/tool/fail/*.rs");
}

/// trybuild hands the cases every dependency of this package, so the facade-only rule
/// (user code names `mcpserve`, plus serde for derives) is checked on the sources.
fn facade_only() {
    let dirs = ["tests/ui/tool/pass", "tests/ui/tool/fail"];
    for dir in dirs {
        for entry in std::fs::read_dir(dir).expect("ui dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read case");
            for (n, line) in text.lines().enumerate() {
                let direct = [
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
