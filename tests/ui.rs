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
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/tool/pass/*.rs");
    t.compile_fail("tests/ui/tool/fail/*.rs");
}
