//! The command line on a real terminal (a pseudo-terminal): a tool's elicitation is asked
//! field by field and answered by typing, and progress is drawn on stderr while the tool
//! runs. `tests/cli.rs` covers the same tools with stdin not a terminal (declined).

#![cfg(unix)]

mod common;

use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::{spawn_command, PtySession};

fn interactive(args: &[&str]) -> PtySession {
    let mut cmd = Command::new(common::example_bin("interactive"));
    cmd.args(args).env("RUST_LOG", "error").env("NO_COLOR", "1");
    spawn_command(cmd, Some(20_000)).expect("spawn on a pty")
}

fn exit_code(p: &PtySession) -> i32 {
    match p.process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("unexpected end: {other:?}"),
    }
}

#[test]
fn elicitation_is_answered_on_the_terminal() {
    let mut p = interactive(&["call", "feedback"]);
    p.exp_string("? How was it?").unwrap();
    p.exp_string("Answer? [Y/n] ").unwrap();
    p.send_line("y").unwrap();
    p.exp_string("email [optional]: ").unwrap();
    p.send_line("ada@example.com").unwrap();
    p.exp_string("rating [good = Loved it | okay = It was fine | bad = Not for me]: ")
        .unwrap();
    // Not a choice: asked again.
    p.send_line("meh").unwrap();
    p.exp_string("(one of: good, okay, bad)").unwrap();
    p.send_line("Loved it").unwrap();
    p.exp_string("stars [whole number; default 5]: ").unwrap();
    p.send_line("9").unwrap();
    p.exp_string("(at most 5)").unwrap();
    p.send_line("4").unwrap();
    p.exp_string("thanks: good, 4 stars, we'll write to ada@example.com")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[test]
fn declining_on_the_terminal_reaches_the_tool() {
    let mut p = interactive(&["call", "feedback"]);
    p.exp_string("Answer? [Y/n] ").unwrap();
    p.send_line("n").unwrap();
    p.exp_string("error: The user declined the request")
        .unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 1);
}

#[test]
fn progress_is_drawn_while_the_tool_asks() {
    let mut p = interactive(&["call", "delete_project", "--arg", "name=demo"]);
    // The bar's message ("checking") is drawn before the question suspends it.
    p.exp_string("checking").unwrap();
    p.exp_string("? Really delete demo?").unwrap();
    p.exp_string("Answer? [Y/n] ").unwrap();
    p.send_line("y").unwrap();
    p.exp_string("proceed [yes/no]: ").unwrap();
    p.send_line("no").unwrap();
    p.exp_string("reason [optional]: ").unwrap();
    p.send_line("").unwrap();
    p.exp_string("demo kept").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
}
