//! The command line every server gets (`Server::run`), tested as a user runs it: the
//! built examples are spawned with each verb and their stdout, stderr and exit codes
//! compared exactly. Golden files live in `tests/fixtures/cli/`; after an intended
//! change, regenerate them with `MCPSERVE_BLESS=1 cargo test --test cli` and review the
//! diff.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run_in(bin: &str, args: &[&str], stdin: &str, env: &[(&str, &Path)]) -> Run {
    let mut cmd = Command::new(common::example_bin(bin));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn example");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait");
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

fn run(args: &[&str]) -> Run {
    run_in("quickstart", args, "", &[])
}

/// Succeeds with exactly `stdout` and nothing on stderr.
fn ok(args: &[&str], stdout: &str) {
    let r = run(args);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), stdout, ""),
        "quickstart {args:?}"
    );
}

/// Fails with `code` and exactly one line `error: <message>` on stderr, nothing on stdout.
fn fails(args: &[&str], code: i32, message: &str) {
    let r = run(args);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(code), "", format!("error: {message}\n").as_str()),
        "quickstart {args:?}"
    );
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cli")
        .join(name);
    if std::env::var_os("MCPSERVE_BLESS").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (MCPSERVE_BLESS=1 writes it)", path.display()));
    assert_eq!(actual, expected, "differs from {}", path.display());
}

#[test]
fn help_and_version_come_from_the_crate_metadata() {
    let r = run(&["--version"]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(0), "quickstart 0.1.0\n"));
    let r = run(&["--help"]);
    assert_eq!(r.code, Some(0));
    assert!(r.stdout.starts_with(
        "Write Model Context Protocol servers as plain annotated Rust functions.\n\nUsage: quickstart"
    ));
    golden("quickstart-help.txt", &r.stdout);
}

#[test]
fn list_prints_a_table_of_everything_the_server_offers() {
    let r = run(&["list"]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    golden("quickstart-list.txt", &r.stdout);
    // The alias prints the same.
    ok(&["inspect"], &r.stdout);
    ok(
        &["list", "prompts"],
        "Prompts (1)\n  explain_code  code, language?  Ask the model to explain a piece of code.\n",
    );
}

#[test]
fn list_json_is_exactly_what_the_list_methods_return() {
    let r = run(&["list", "--json"]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    golden("quickstart-list.json", &r.stdout);
    let doc: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(doc["tools"], common::quickstart_tools());
    // The same as a client gets over stdio.
    let mut server = common::Spawned::stdio("quickstart", &[]);
    let p = &mut server.peer;
    p.request(
        json!(1),
        "initialize",
        json!({ "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": { "name": "t", "version": "1" } }),
    );
    for (id, method, key) in [
        (2, "tools/list", "tools"),
        (3, "resources/list", "resources"),
        (4, "resources/templates/list", "resourceTemplates"),
        (5, "prompts/list", "prompts"),
    ] {
        let reply = p.request(json!(id), method, json!({}));
        assert_eq!(reply["result"][key], doc[key], "{method}");
    }
    let r = run(&["list", "tools", "--json"]);
    let tools: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(tools, json!({ "tools": common::quickstart_tools() }));
}

#[test]
fn readme_shows_the_real_list_output() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let list = run(&["list"]).stdout;
    assert!(
        readme.contains(&format!(
            "$ cargo run --example quickstart -- list\n{list}```"
        )),
        "README.md must show the output of `quickstart list`:\n{list}"
    );
}

#[test]
fn call_prints_text_and_pretty_structured_output() {
    ok(&["call", "add", "--arg", "a=1", "--arg", "b=2"], "3\n");
    ok(&["call", "add", r#"{"a": 40, "b": 2}"#], "42\n");
    // `--arg` wins over the JSON object; values are typed by the input schema.
    ok(&["call", "add", r#"{"a": 1, "b": 1}"#, "-a", "b=5"], "6\n");
    ok(&["call", "echo", "--arg", "text=007"], "007\n");
    ok(
        &["call", "word_count", "--arg", "text=one two\nthree"],
        "{\n  \"chars\": 13,\n  \"lines\": 2,\n  \"words\": 3\n}\n",
    );
    let r = run(&["call", "echo", "--arg", "text=hi", "--json"]);
    assert_eq!(r.code, Some(0));
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout).expect("JSON"),
        json!({ "content": [{ "type": "text", "text": "hi" }] })
    );
}

#[test]
fn call_errors_are_one_line_and_a_nonzero_exit() {
    fails(
        &["call", "nope"],
        1,
        "unknown tool `nope` (tools: add, echo, word_count, divide)",
    );
    fails(
        &["call", "add", "{bad"],
        2,
        "invalid JSON arguments: key must be a string at line 1 column 2",
    );
    fails(
        &["call", "add", "[1, 2]"],
        2,
        "arguments must be a JSON object, e.g. '{\"a\": 1}'",
    );
    fails(
        &["call", "add", "--arg", "a"],
        2,
        "--arg expects KEY=VALUE, got `a`",
    );
    // Schema validation by the server's own dispatcher.
    fails(
        &["call", "add", "--arg", "a=1"],
        1,
        "Invalid arguments for tool `add`: missing required argument `b`",
    );
    fails(
        &["call", "add", "--arg", "a=x", "--arg", "b=2"],
        1,
        "Invalid arguments for tool `add`: argument `a`: invalid type: string \"x\", expected i64",
    );
    // A tool error.
    fails(
        &["call", "divide", "-a", "a=1", "-a", "b=0"],
        1,
        "division by zero",
    );
    // clap's own usage errors exit 2.
    let r = run(&["call"]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(2), ""));
    assert!(r
        .stderr
        .starts_with("error: the following required arguments were not provided:"));
    let r = run(&["frobnicate"]);
    assert_eq!(r.code, Some(2));
}

#[test]
fn read_and_prompt_print_contents_and_messages() {
    ok(
        &["read", "info://about"],
        "# Quickstart\nTools: add, echo, word_count, divide. Resources: this page, greetings://{name}.\n",
    );
    ok(&["read", "greetings://Ada"], "Hello, Ada!\n");
    fails(&["read", "nope://x"], 1, "Resource not found: nope://x");
    ok(
        &[
            "prompt",
            "explain_code",
            "--arg",
            "code=fn main() {}",
            "--arg",
            "language=Rust",
        ],
        "[user]\nExplain this Rust code:\n\nfn main() {}\n",
    );
    ok(
        &["prompt", "explain_code", r#"{"code": "x"}"#],
        "[user]\nExplain this code:\n\nx\n",
    );
    fails(
        &["prompt", "explain_code"],
        1,
        "Invalid arguments for prompt `explain_code`: missing required argument `code`",
    );
    let r = run(&["read", "greetings://Bo", "--json"]);
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout).expect("JSON"),
        json!({ "contents": [{ "uri": "greetings://Bo", "mimeType": "text/plain", "text": "Hello, Bo!" }] })
    );
}

#[test]
fn elicitation_is_declined_when_stdin_is_not_a_terminal() {
    let r = run_in("interactive", &["call", "feedback"], "", &[]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(1), ""));
    assert!(
        r.stderr.ends_with(
            "note: declined the tool's request for input (\"How was it?\"): stdin is not a terminal\n\
             error: The user declined the request\n"
        ),
        "{}",
        r.stderr
    );
    let r = run_in(
        "interactive",
        &["call", "delete_project", "--arg", "name=demo"],
        "",
        &[],
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (Some(0), "demo kept\n"),
        "{}",
        r.stderr
    );
}

fn binary_path() -> String {
    common::example_bin("quickstart")
        .canonicalize()
        .expect("canonical path")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn config_prints_each_clients_snippet_for_this_binary() {
    let exe = binary_path();
    let r = run(&["config", "claude"]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout).expect("JSON"),
        json!({ "mcpServers": { "mcpserve": { "command": exe, "args": [] } } })
    );
    let r = run(&[
        "config",
        "vscode",
        "--name",
        "qs",
        "--env",
        "LEVEL=debug",
        "--",
        "--http",
    ]);
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout).expect("JSON"),
        json!({ "servers": { "qs": {
            "type": "stdio", "command": exe, "args": ["--http"], "env": { "LEVEL": "debug" }
        } } })
    );
    let r = run(&["config", "cursor", "--url", "https://qs.example/mcp"]);
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout).expect("JSON"),
        json!({ "mcpServers": { "mcpserve": { "url": "https://qs.example/mcp" } } })
    );
    fails(
        &["config", "claude", "--url", "https://qs.example/mcp"],
        1,
        "Claude Desktop's config file only launches local servers; add a remote server under Settings > Connectors",
    );
    let r = run(&["config", "notepad"]);
    assert_eq!(r.code, Some(2));
    assert!(r
        .stderr
        .contains("[possible values: claude, claude-code, cursor, vscode, windsurf, gemini]"));
}

#[test]
fn install_claude_writes_its_config_file_after_asking() {
    let home = tempdir("install-home");
    let config: PathBuf = if cfg!(target_os = "macos") {
        home.join("Library/Application Support/Claude/claude_desktop_config.json")
    } else {
        home.join(".config/Claude/claude_desktop_config.json")
    };
    let install = |args: &[&str]| {
        let mut cmd_args = vec!["install", "claude"];
        cmd_args.extend_from_slice(args);
        let mut cmd = Command::new(common::example_bin("quickstart"));
        cmd.args(&cmd_args)
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        let out = cmd.output().expect("run install");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    };
    // Nobody to ask: nothing is written without --yes.
    let r = install(&[]);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.stderr,
        format!(
            "error: would add `mcpserve` in {}; stdin is not a terminal to ask, re-run with --yes\n",
            config.display()
        )
    );
    assert!(!config.exists());
    // An existing file keeps its other settings, in their order.
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        r#"{"globalShortcut": "Ctrl+Space", "mcpServers": {"other": {"command": "/bin/other"}}}"#,
    )
    .unwrap();
    let r = install(&["--yes"]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    assert_eq!(
        r.stdout,
        format!(
            "added `mcpserve` in {}; restart Claude Desktop to load it\n",
            config.display()
        )
    );
    let written = std::fs::read_to_string(&config).unwrap();
    let exe = binary_path();
    assert_eq!(
        written,
        format!(
            "{{\n  \"globalShortcut\": \"Ctrl+Space\",\n  \"mcpServers\": {{\n    \"other\": {{\n      \"command\": \"/bin/other\"\n    }},\n    \"mcpserve\": {{\n      \"command\": {},\n      \"args\": []\n    }}\n  }}\n}}\n",
            serde_json::to_string(&exe).unwrap()
        )
    );
    let mut backup = config.clone().into_os_string();
    backup.push(".bak");
    assert!(
        Path::new(&backup).exists(),
        "the previous file is kept as .bak"
    );
    // Installing again changes nothing.
    let r = install(&["--yes"]);
    assert_eq!(
        (r.code, r.stdout),
        (
            Some(0),
            format!(
                "`mcpserve` is already in {} (Claude Desktop)\n",
                config.display()
            )
        )
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), written);
    let _ = std::fs::remove_dir_all(&home);
}

fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mcpserve-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn card_and_server_json_print_the_servers_identity() {
    let r = run(&["card"]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout).expect("JSON"),
        json!({
            "$schema": "https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json",
            "name": "invalid.example/mcpserve",
            "version": "0.1.0",
            "description": "Write Model Context Protocol servers as plain annotated Rust functions.",
            "repository": { "url": "https://example.invalid/mcpserve", "source": "example.invalid" }
        })
    );
    let r = run(&["card", "--remote", "https://qs.example/mcp"]);
    let card: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(
        card["remotes"],
        json!([{ "type": "streamable-http", "url": "https://qs.example/mcp",
                 "supportedProtocolVersions": ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"] }])
    );
    let r = run(&["server-json"]);
    assert_eq!(r.code, Some(0));
    assert_eq!(
        r.stderr,
        "note: no MCPB package listed: pass --mcpb-url URL (where the bundle is published)\n"
    );
    let doc: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(doc["name"], "invalid.example/mcpserve");
    assert!(doc.get("packages").is_none());
}

#[test]
fn serving_logs_info_on_stderr_unless_rust_log_says_otherwise() {
    let init = concat!(
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","#,
        r#""capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#,
        "\n"
    );
    let logged = |env: &[(&str, &Path)]| {
        let r = run_in("quickstart", &[], init, env);
        assert_eq!(r.code, Some(0), "{env:?}: {}", r.stderr);
        assert!(
            r.stdout.contains(r#""id":1,"result""#),
            "{env:?}: {}",
            r.stdout
        );
        r.stderr
    };
    // Unset: `info` and above.
    let stderr = logged(&[]);
    assert!(
        stderr.contains(" INFO ") && stderr.contains("session initialized client=c"),
        "{stderr}"
    );
    // Set: `RUST_LOG`'s directives decide, targets included.
    assert_eq!(logged(&[("RUST_LOG", Path::new("warn"))]), "");
    assert_eq!(logged(&[("RUST_LOG", Path::new("other_crate=info"))]), "");
    let stderr = logged(&[("RUST_LOG", Path::new("mcp_runtime::dispatch=info"))]);
    assert!(stderr.contains("session initialized client=c"), "{stderr}");
}
