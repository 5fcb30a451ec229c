//! The official Python SDK (`mcp==2.3.0`) against `examples/auth.rs` behind a real
//! authorization server (oauth2-mock-server, `tests/oauth`), in both eras. Runs when
//! `MCPSERVE_PYTHON` names a Python with the SDK and `MCPSERVE_OAUTH_NODE` the Node 22 of
//! `tests/oauth/node_modules` (`bash .ci/run` sets both up); skipped otherwise, except
//! under `CI=true`.

#[path = "common/skip.rs"]
mod skip;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Kills the child when dropped, whatever the test's outcome.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cmd` and returns it with the value after `prefix ` on its first such line.
fn start(cmd: &mut Command, prefix: &str) -> (Running, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix(prefix).map(|v| v.trim().to_owned()))
        .unwrap_or_else(|| panic!("{cmd:?} never printed `{prefix} …`"));
    (running, line)
}

/// `target/debug/examples/auth`, next to this test's `deps/` directory.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    dir.join("examples").join("auth")
}

#[test]
fn python_sdk_with_oauth_vs_auth_example_skipped_unless_mcpserve_python_and_mcpserve_oauth_node_are_set(
) {
    let (Some(python), Some(node)) = (
        std::env::var_os("MCPSERVE_PYTHON"),
        std::env::var_os("MCPSERVE_OAUTH_NODE"),
    ) else {
        skip::skip(
            "python_sdk_with_oauth_vs_auth_example",
            &format!(
                "set MCPSERVE_PYTHON (a Python with {}) and MCPSERVE_OAUTH_NODE \
                 (tests/oauth/node_modules/.bin/node after `npm ci` there); `bash .ci/run` sets both up",
                skip::PYTHON_SDK
            ),
        );
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (_issuer, issuer_url) = start(
        Command::new(node)
            .arg(root.join("tests/oauth/issuer.mjs"))
            .arg("0"),
        "issuer",
    );
    let example = example_binary();
    assert!(
        example.exists(),
        "{} is built by `cargo test`",
        example.display()
    );
    let (_server, url) = start(
        Command::new(example).args([
            "--port",
            "0",
            "--issuer",
            &issuer_url,
            "--jwks-url",
            &format!("{issuer_url}/jwks"),
        ]),
        "listening on",
    );
    let output = Command::new(python)
        .arg(root.join("tests/clients/python_auth_client.py"))
        .args(["--issuer", &issuer_url, &url])
        .output()
        .expect("could not run MCPSERVE_PYTHON");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "the Python client failed:\n{stdout}"
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}
