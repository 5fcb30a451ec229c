//! Skills (SEP-2640, `io.modelcontextprotocol/skills`): the capability in both eras,
//! `skills/list` pages with caching hints, `skills/get`, `resources/read` of skill files,
//! `SKILL.md` in `resources/list`, `resources/directory/read`, and the startup errors of
//! invalid skill folders. Exact wire values: digests and sizes are the files' own.

use mcpserve::prelude::*;
use mcpserve::skills::{Skill, Skills};
use mcpserve::testing::{ClientError, TestClient};
use serde_json::{json, Value};

const EXT: &str = "io.modelcontextprotocol/skills";

/// The suite's skill (embedded, checked at compile time) and one declared in code under
/// an organizational prefix; one skill per `skills/list` page.
fn server() -> Server {
    Server::builder()
        .without_registry()
        .skills(
            Skills::embed(include_skills!("examples/skills")).skill(
                Skill::new(
                    "release-notes",
                    "Write release notes from merged pull requests",
                )
                .under("acme")
                .instructions("# Release notes\n")
                .file("references/STYLE.md", "Use the imperative mood.\n"),
            ),
        )
        .configure(|c| c.page_size = 1)
        .build()
        .unwrap()
}

fn pdf_entry() -> Value {
    json!({
        "uri": "skill://pdf-processing/SKILL.md",
        "frontmatter": {"name": "pdf-processing",
                        "description": "Extract, fill, and assemble PDF documents"},
        "resources": [
            {"uri": "skill://pdf-processing/SKILL.md",
             "digest": "sha256:a6d5f1f48af94923633d597c756194482fe5d48f74e49eb54bc9ee7c4902d5ba",
             "size": 97},
            {"uri": "skill://pdf-processing/references/FORMS.md",
             "digest": "sha256:8548b03927f40d7dc404fa49636c29e6b73df011d0764d69a6fc4f8ae06c6a12",
             "size": 20},
        ]
    })
}

fn notes_entry() -> Value {
    json!({
        "uri": "skill://acme/release-notes/SKILL.md",
        "frontmatter": {"name": "release-notes",
                        "description": "Write release notes from merged pull requests"},
        "resources": [
            {"uri": "skill://acme/release-notes/SKILL.md",
             "digest": "sha256:40219f2586c17e77eaf03de963b1fb9cb517867f4a82deb2da5f719cf54b007f",
             "size": 104},
            {"uri": "skill://acme/release-notes/references/STYLE.md",
             "digest": "sha256:e4b2e048f1c30de54f5b146750825a0146b2877f8d428d48eeb4cb4a45dc0aea",
             "size": 25},
        ]
    })
}

fn rpc_error(r: Result<Value, ClientError>) -> Value {
    match r {
        Err(ClientError::Rpc(e)) => serde_json::to_value(e).unwrap(),
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

#[tokio::test]
async fn modern_skills_list_pages_with_caching_hints() {
    let client = TestClient::sessionless(server());
    let discover = client.request("server/discover", json!({})).await.unwrap();
    assert_eq!(
        discover["capabilities"]["extensions"],
        json!({ EXT: {"directoryRead": true} })
    );
    assert_eq!(
        discover["capabilities"]["resources"],
        json!({"subscribe": true, "listChanged": true})
    );

    let first = client.request("skills/list", json!({})).await.unwrap();
    let cursor = first["nextCursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    assert_eq!(
        first,
        json!({"resultType": "complete", "ttlMs": 0, "cacheScope": "public",
               "skills": [notes_entry()], "nextCursor": cursor})
    );
    let second = client
        .request("skills/list", json!({ "cursor": cursor }))
        .await
        .unwrap();
    assert_eq!(
        second,
        json!({"resultType": "complete", "ttlMs": 0, "cacheScope": "public",
               "skills": [pdf_entry()]})
    );
    assert_eq!(
        rpc_error(
            client
                .request("skills/list", json!({"cursor": "not-a-cursor"}))
                .await
        )["code"],
        -32602
    );
}

#[tokio::test]
async fn modern_skills_get_and_files() {
    let client = TestClient::sessionless(server());
    assert_eq!(
        client
            .request(
                "skills/get",
                json!({"uri": "skill://pdf-processing/SKILL.md"})
            )
            .await
            .unwrap(),
        json!({"resultType": "complete", "ttlMs": 0, "cacheScope": "public",
               "skill": pdf_entry()})
    );
    assert_eq!(
        rpc_error(
            client
                .request(
                    "skills/get",
                    json!({"uri": "skill://mcp-conformance-nonexistent-skill-9f3a2b/SKILL.md"})
                )
                .await
        ),
        json!({"code": -32602,
               "message": "No skill is served at skill://mcp-conformance-nonexistent-skill-9f3a2b/SKILL.md"})
    );
    assert_eq!(
        rpc_error(client.request("skills/get", json!({})).await)["code"],
        -32602
    );

    // Every file is a resource; SKILL.md begins with the frontmatter the entry carries.
    let read = client
        .request(
            "resources/read",
            json!({"uri": "skill://acme/release-notes/SKILL.md"}),
        )
        .await
        .unwrap();
    assert_eq!(
        read["contents"],
        json!([{"uri": "skill://acme/release-notes/SKILL.md", "mimeType": "text/markdown",
                "text": "---\nname: release-notes\ndescription: Write release notes from merged pull requests\n---\n\n# Release notes\n"}])
    );
    let read = client
        .request(
            "resources/read",
            json!({"uri": "skill://pdf-processing/references/FORMS.md"}),
        )
        .await
        .unwrap();
    assert_eq!(
        read["contents"],
        json!([{"uri": "skill://pdf-processing/references/FORMS.md",
                "mimeType": "text/markdown", "text": "Supporting content.\n"}])
    );

    // Only SKILL.md files are listed, named and described by their frontmatter.
    let listed: Vec<Value> = client
        .list_resources()
        .await
        .unwrap()
        .into_iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    assert_eq!(
        listed,
        vec![
            json!({"uri": "skill://acme/release-notes/SKILL.md", "name": "release-notes",
                   "description": "Write release notes from merged pull requests",
                   "mimeType": "text/markdown", "size": 104}),
            json!({"uri": "skill://pdf-processing/SKILL.md", "name": "pdf-processing",
                   "description": "Extract, fill, and assemble PDF documents",
                   "mimeType": "text/markdown", "size": 97}),
        ]
    );
}

#[tokio::test]
async fn modern_directory_read() {
    let client = TestClient::sessionless(server());
    // One child per page: the folder's files, then its sub-folder.
    let first = client
        .request(
            "resources/directory/read",
            json!({"uri": "skill://pdf-processing"}),
        )
        .await
        .unwrap();
    let cursor = first["nextCursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    assert_eq!(
        first,
        json!({"resultType": "complete", "nextCursor": cursor, "resources": [
            {"uri": "skill://pdf-processing/SKILL.md", "name": "pdf-processing",
             "description": "Extract, fill, and assemble PDF documents",
             "mimeType": "text/markdown", "size": 97}]})
    );
    assert_eq!(
        client
            .request(
                "resources/directory/read",
                json!({"uri": "skill://pdf-processing/", "cursor": cursor})
            )
            .await
            .unwrap(),
        json!({"resultType": "complete", "resources": [
            {"uri": "skill://pdf-processing/references", "name": "references",
             "mimeType": "inode/directory"}]})
    );
    assert_eq!(
        client
            .request("resources/directory/read", json!({"uri": "skill://acme"}))
            .await
            .unwrap(),
        json!({"resultType": "complete", "resources": [
            {"uri": "skill://acme/release-notes", "name": "release-notes",
             "mimeType": "inode/directory"}]})
    );
    assert_eq!(
        rpc_error(
            client
                .request(
                    "resources/directory/read",
                    json!({"uri": "skill://pdf-processing/SKILL.md"})
                )
                .await
        ),
        json!({"code": -32602,
               "message": "skill://pdf-processing/SKILL.md is not a directory resource"})
    );
}

#[tokio::test]
async fn session_era_serves_the_same_methods() {
    let client = TestClient::connect(server());
    let init = client
        .request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "t", "version": "1"}}),
        )
        .await
        .unwrap();
    client
        .notify("notifications/initialized", json!({}))
        .await
        .unwrap();
    assert_eq!(
        init["capabilities"]["extensions"],
        json!({ EXT: {"directoryRead": true} })
    );
    let first = client.request("skills/list", json!({})).await.unwrap();
    let cursor = first["nextCursor"].as_str().unwrap().to_owned();
    assert_eq!(
        first,
        json!({"skills": [notes_entry()], "nextCursor": cursor})
    );
    assert_eq!(
        client
            .request(
                "skills/get",
                json!({"uri": "skill://acme/release-notes/SKILL.md"})
            )
            .await
            .unwrap(),
        json!({"skill": notes_entry()})
    );
    assert_eq!(
        client
            .request(
                "resources/directory/read",
                json!({"uri": "skill://acme/release-notes/references"})
            )
            .await
            .unwrap(),
        json!({"resources": [
            {"uri": "skill://acme/release-notes/references/STYLE.md", "name": "STYLE.md",
             "mimeType": "text/markdown", "size": 25}]})
    );
}

/// A skills folder on disk with these files.
fn folder(files: &[(&str, &str)]) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "skills-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn build_error(skills: Skills) -> String {
    match Server::builder().without_registry().skills(skills).build() {
        Ok(_) => panic!("the build should fail"),
        Err(e) => e.message().to_owned(),
    }
}

#[test]
fn invalid_skill_folders_fail_the_build_naming_the_file() {
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[("pdf/SKILL.md", "---\nname: pdf\n---\nbody\n")],
            "pdf/SKILL.md: the frontmatter has no `description`",
        ),
        (
            &[("pdf/SKILL.md", "---\nname: pdf-tools\ndescription: d\n---\n")],
            "pdf/SKILL.md: frontmatter `name` is `pdf-tools` but the skill's folder is `pdf`: they must be equal",
        ),
        (
            &[("pdf/SKILL.md", "# PDF\n")],
            "pdf/SKILL.md: SKILL.md must begin with YAML frontmatter: a `---` line, `name:` and `description:`, then `---`",
        ),
        (
            &[("Pdf/SKILL.md", "---\nname: Pdf\ndescription: d\n---\n")],
            "Pdf/SKILL.md: frontmatter `name`: `Pdf` may only hold lowercase letters, digits and `-`",
        ),
        (
            &[("pdf/SKILL.md", "---\nname: pdf\ndescription: d\nmetadata:\n  io.modelcontextprotocol/x: y\n---\n")],
            "pdf/SKILL.md: frontmatter `metadata.io.modelcontextprotocol/x`: keys under `io.modelcontextprotocol/` are reserved for MCP extensions",
        ),
        (
            &[("notes.md", "not a skill\n")],
            "no skill found (a skill is a folder holding a SKILL.md)",
        ),
    ];
    for (files, want) in cases {
        let dir = folder(files);
        let message = build_error(Skills::from_dir(&dir));
        assert_eq!(
            message,
            format!("skills folder `{}`: {want}", dir.display()),
            "{files:?}"
        );
    }
    assert_eq!(
        build_error(Skills::from_dir("/nonexistent/skills")),
        "skills folder `/nonexistent/skills`: cannot read it: No such file or directory (os error 2)"
    );
    assert_eq!(
        build_error(Skills::new().skill(Skill::new("pdf--tools", "d"))),
        "skill `pdf--tools` declared in code: pdf--tools/SKILL.md: frontmatter `name`: `pdf--tools` must not start or end with `-` or hold `--`"
    );
}
