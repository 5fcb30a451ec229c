//! Generates the 1,000-tool servers (mcpserve and rmcp) used by the `tools/list` scenario.

use std::fmt::Write as _;
use std::path::PathBuf;

const TOOLS: usize = 1000;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));

    let mut m = String::new();
    for i in 0..TOOLS {
        writeln!(
            m,
            "/// Generated tool number {i}: adds two integers.\n\
             #[tool(annotations(read_only, idempotent))]\n\
             async fn tool_{i}(\n    /// Left operand.\n    a: i64,\n    /// Right operand.\n    b: i64,\n) -> i64 {{\n    a + b\n}}\n"
        )
        .unwrap();
    }
    std::fs::write(out.join("mcpserve_tools_1k.rs"), m).unwrap();

    let mut r = String::from("#[tool_router]\nimpl Many {\n");
    for i in 0..TOOLS {
        writeln!(
            r,
            "    /// Generated tool number {i}: adds two integers.\n\
             #[tool(annotations(read_only_hint = true, idempotent_hint = true))]\n\
             fn tool_{i}(&self, Parameters(AddArgs {{ a, b }}): Parameters<AddArgs>) -> String {{\n        (a + b).to_string()\n    }}\n"
        )
        .unwrap();
    }
    r.push_str("}\n");
    std::fs::write(out.join("rmcp_tools_1k.rs"), r).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
