//! MCP Apps in a real browser: `examples/apps` serves its view; a test host page
//! (`tests/apps/`: the ext-apps AppBridge and the official MCP client, bundled with
//! esbuild) runs in headless Chromium, reads the `ui://` view the tool names, renders it
//! in a sandbox proxy on another origin, calls the tool and hands the view its result;
//! the view draws the chart and calls the app-only `sales_total` through the bridge.
//! The test reads the view's DOM and leaves a screenshot in
//! `$CARGO_TARGET_TMPDIR/apps-browser/apps.png`.
//!
//! Needs Chromium (`MCPSERVE_CHROMIUM`, or `chromium` on PATH), Node and
//! `tests/apps/node_modules` (`npm ci` there); `bash .ci/run` sets all of it up. Skipped
//! with a notice otherwise, except under `CI=true`.
#![cfg(feature = "http")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

mod common;

use common::skip::skip;

const ENABLE: &str = "install Chromium (apt-get install chromium) and the test host's packages \
                      (cd tests/apps && npm ci), or set MCPSERVE_CHROMIUM; `bash .ci/run` does both";

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MCPSERVE_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(p.into());
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

#[test]
fn apps_example_renders_in_headless_chromium() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/apps");
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let (Some(chromium), true, true) = (
        chromium(),
        node_ok,
        dir.join("node_modules/puppeteer-core").exists(),
    ) else {
        skip("apps_example_renders_in_headless_chromium", ENABLE);
        return;
    };

    let mut server = Command::new(common::example_bin("apps"))
        .args(["--port", "0", "--stdin-shutdown"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start examples/apps");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();

    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("apps-browser");
    let output = Command::new("node")
        .arg(dir.join("run.mjs"))
        .args(["--server", &url, "--chromium"])
        .arg(&chromium)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run node");
    drop(server.stdin.take()); // stops the server
    let _ = server.wait();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}\n--- browser console\n{stderr}");
    assert!(output.status.success(), "the browser run failed");
    let report: Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("one JSON line");
    let host = &report["host"];

    assert_eq!(host["errors"], json!([]));
    assert_eq!(
        host["steps"],
        json!([
            "connected",
            "view read",
            "sandbox ready",
            "view initialized",
            "result sent"
        ])
    );
    assert_eq!(
        host["serverExtensions"],
        json!({"io.modelcontextprotocol/ui": {}})
    );
    // A host that declares MCP Apps is offered the app-only tool too (and keeps it from
    // its model, per the spec).
    assert_eq!(
        host["tools"],
        json!([
            {"name": "sales_chart", "ui": {"resourceUri": "ui://charts/sales"}},
            {"name": "sales_total", "ui": {"resourceUri": "ui://charts/sales", "visibility": ["app"]}},
        ])
    );
    assert_eq!(
        host["resource"],
        json!({
            "count": 1,
            "uri": "ui://charts/sales",
            "mimeType": "text/html;profile=mcp-app",
            "meta": {"ui": {"prefersBorder": true}},
            "isHtml": true,
        })
    );

    // What the view rendered: the host-delivered result, then its own call's answer.
    let view = &report["view"];
    let sandbox_origin = view["origin"].as_str().unwrap();
    assert!(sandbox_origin.starts_with("http://localhost:"), "{view}");
    assert_eq!(view["state"], "done", "{view}");
    assert_eq!(view["title"], "Sales, Q2");
    assert_eq!(
        view["rows"],
        json!([
            ["North", "$24,000"],
            ["South", "$34,000"],
            ["East", "$31,000"],
            ["West", "$28,000"],
        ])
    );
    assert_eq!(view["total"], "Total: $117,000");
    let png = std::fs::read(out.join("apps.png")).expect("the screenshot");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    println!("screenshot: {}", out.join("apps.png").display());
}
