//! Skills (SEP-2640, the `io.modelcontextprotocol/skills` extension): folders of
//! instructions an agent loads on demand, served over MCP.
//!
//! A skill is a folder with a `SKILL.md` (YAML frontmatter with `name` and
//! `description`, then Markdown instructions) and any supporting files. The server
//! serves every file as a resource `skill://<skill-path>/<file>`, and adds:
//!
//! * `skills/list` (paginated, cacheable): each skill's `SKILL.md` URI, its frontmatter
//!   verbatim, and every file with its `sha256:` digest and size;
//! * `skills/get {uri}`: one skill's entry (`-32602` for a URI that is no skill);
//! * `resources/directory/read {uri, cursor?}`: a folder's direct children, sub-folders
//!   as `inode/directory` (advertised as `directoryRead: true`).
//!
//! `SKILL.md` files appear in `resources/list` with the skill's name and description;
//! the other files are read by URI. Digests, sizes and list pages are computed once,
//! when the server is built, and everything is checked then: a folder that breaks the
//! Agent Skills rules (frontmatter, a `name` equal to its folder, sizes) is a startup
//! error naming the file, or a compile error when the folder is embedded with
//! [`include_skills!`](../macro.include_skills.html).
//!
//! ```
//! use mcp_runtime::skills::{Skill, Skills};
//! use mcp_runtime::Server;
//!
//! let skills = Skills::new().skill(
//!     Skill::new("release-notes", "Write release notes from merged pull requests")
//!         .instructions("# Release notes\n\nGroup changes by area; see `references/STYLE.md`.\n")
//!         .file("references/STYLE.md", "Use the imperative mood.\n"),
//! );
//! let server = Server::builder().without_registry().skills(skills).build()?;
//! # Ok::<(), mcp_runtime::Error>(())
//! ```
//!
//! With the `mcpserve` facade, a folder shipped in the binary is
//! `Skills::embed(include_skills!("skills"))` and one read at startup
//! `Skills::from_dir("skills")`. Hidden files (names starting with `.`) are left out.

mod catalog;
// Shared with mcp-macros (`#[path]`); some rules are used only there.
#[allow(dead_code)]
pub(crate) mod layout;

use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::extension::Extension;

/// The extension identifier.
pub const EXTENSION_ID: &str = "io.modelcontextprotocol/skills";

/// The skills a server serves: folders (embedded or read from disk) and skills declared
/// in code. Add them with [`ServerBuilder::skills`](crate::ServerBuilder::skills).
#[derive(Default)]
pub struct Skills {
    sources: Vec<Source>,
}

/// Files by path relative to their folder.
type Files = Vec<(String, Arc<[u8]>)>;

enum Source {
    /// Files of a folder (or what reading it failed with).
    Folder {
        origin: String,
        files: Result<Files, String>,
    },
    Code(Skill),
}

/// A skills folder embedded in the binary by `include_skills!`, checked when it was
/// compiled.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedSkills {
    folder: &'static str,
    files: &'static [(&'static str, &'static [u8])],
}

impl EmbeddedSkills {
    /// Used by `include_skills!`.
    #[doc(hidden)]
    pub const fn __new(
        folder: &'static str,
        files: &'static [(&'static str, &'static [u8])],
    ) -> Self {
        EmbeddedSkills { folder, files }
    }

    /// The files, paths relative to the folder.
    pub fn files(&self) -> impl Iterator<Item = (&'static str, &'static [u8])> {
        self.files.iter().copied()
    }
}

impl Skills {
    /// No skills yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The skills of a folder embedded with `include_skills!("folder")`.
    pub fn embed(embedded: EmbeddedSkills) -> Self {
        Self::new().and_embedded(embedded)
    }

    /// The skills of a folder read now, at startup (a path relative to the working
    /// directory, or absolute). Problems (a missing folder, an invalid `SKILL.md`) fail
    /// the server's build, naming the file.
    pub fn from_dir(path: impl AsRef<Path>) -> Self {
        Self::new().and_dir(path)
    }

    /// Adds the skills of an embedded folder.
    pub fn and_embedded(mut self, embedded: EmbeddedSkills) -> Self {
        self.sources.push(Source::Folder {
            origin: embedded.folder.to_owned(),
            files: Ok(embedded
                .files
                .iter()
                .map(|(p, b)| ((*p).to_owned(), Arc::<[u8]>::from(*b)))
                .collect()),
        });
        self
    }

    /// Adds the skills of a folder read now.
    pub fn and_dir(mut self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        self.sources.push(Source::Folder {
            origin: path.display().to_string(),
            files: read_dir(path),
        });
        self
    }

    /// Adds a skill declared in code.
    pub fn skill(mut self, skill: Skill) -> Self {
        self.sources.push(Source::Code(skill));
        self
    }

    /// Adds all of `other`'s skills.
    pub fn and(mut self, other: Skills) -> Self {
        self.sources.extend(other.sources);
        self
    }

    /// The extension serving these skills: checked, digested and paginated once.
    pub(crate) fn into_extension(self, page_size: usize) -> Result<Extension, Error> {
        let mut files: Vec<(String, Arc<[u8]>)> = Vec::new();
        let mut found = Vec::new();
        let mut origins: Vec<(String, String)> = Vec::new();
        for source in self.sources {
            let (origin, source_files) = match source {
                Source::Folder { origin, files } => {
                    let files = files
                        .map_err(|e| Error::startup(format!("skills folder `{origin}`: {e}")))?;
                    (format!("skills folder `{origin}`"), files)
                }
                Source::Code(skill) => {
                    let origin = format!("skill `{}` declared in code", skill.dir);
                    (origin, skill.into_files())
                }
            };
            let refs: Vec<(&str, &[u8])> = source_files
                .iter()
                .map(|(p, b)| (p.as_str(), &**b))
                .collect();
            let skills =
                layout::discover(&refs).map_err(|e| Error::startup(format!("{origin}: {e}")))?;
            if skills.is_empty() {
                return Err(Error::startup(format!(
                    "{origin}: no skill found (a skill is a folder holding a SKILL.md)"
                )));
            }
            for (path, bytes) in source_files {
                // Files outside every skill's folder (a README next to the skills) are
                // not served.
                if !skills
                    .iter()
                    .any(|s| path.starts_with(&format!("{}/", s.dir)))
                {
                    continue;
                }
                if let Some((_, other)) = origins.iter().find(|(p, _)| *p == path) {
                    return Err(Error::startup(format!(
                        "{origin}: `{path}` is also served by {other}"
                    )));
                }
                origins.push((path.clone(), origin.clone()));
                files.push((path, bytes));
            }
            found.extend(skills);
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        found.sort_by(|a, b| a.dir.cmp(&b.dir));
        catalog::extension(files, found, page_size)
    }
}

/// A skill declared in code: its `SKILL.md` is written from the frontmatter and the
/// instructions given here.
///
/// ```
/// use mcp_runtime::skills::Skill;
///
/// let refunds = Skill::new("refunds", "Process customer refund requests per company policy")
///     .under("acme/billing")                       // skill://acme/billing/refunds/SKILL.md
///     .license("Apache-2.0")
///     .metadata("version", "2.1.0")
///     .instructions("# Refunds\n\nCheck `examples/email.md` before replying.\n")
///     .file("examples/email.md", "Dear customer, ...\n");
/// # let _ = refunds;
/// ```
#[derive(Debug, Clone)]
pub struct Skill {
    dir: String,
    frontmatter: Map<String, Value>,
    body: String,
    files: Vec<(String, Vec<u8>)>,
}

impl Skill {
    /// A skill named `name` (its folder and the last segment of its URI) that does what
    /// `description` says. Names follow the Agent Skills rules (checked at build).
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        let name = name.into();
        let mut frontmatter = Map::new();
        frontmatter.insert("name".into(), Value::String(name.clone()));
        frontmatter.insert("description".into(), Value::String(description.into()));
        Skill {
            dir: name,
            frontmatter,
            body: String::new(),
            files: Vec::new(),
        }
    }

    /// Serves the skill under an organizational prefix (`acme/billing` makes its URI
    /// `skill://acme/billing/<name>/SKILL.md`).
    pub fn under(mut self, prefix: impl AsRef<str>) -> Self {
        let prefix = prefix.as_ref().trim_matches('/');
        let name = self.dir.rsplit('/').next().unwrap_or_default().to_owned();
        self.dir = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        self
    }

    /// The Markdown instructions after the frontmatter.
    pub fn instructions(mut self, markdown: impl Into<String>) -> Self {
        self.body = markdown.into();
        self
    }

    /// Frontmatter `license`.
    pub fn license(self, license: impl Into<String>) -> Self {
        self.field("license", license.into())
    }

    /// Frontmatter `compatibility` (environment requirements, at most 500 characters).
    pub fn compatibility(self, compatibility: impl Into<String>) -> Self {
        self.field("compatibility", compatibility.into())
    }

    /// Adds `key: value` to frontmatter `metadata`.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let metadata = self
            .frontmatter
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = metadata {
            m.insert(key.into(), Value::String(value.into()));
        }
        self
    }

    /// Sets any frontmatter field (passed through to clients verbatim).
    pub fn field(mut self, key: impl Into<String>, value: impl serde::Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.frontmatter.insert(key.into(), value);
        self
    }

    /// Adds a supporting file at `path` (relative to the skill's folder, `/`-separated).
    pub fn file(mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((path.into(), contents.into()));
        self
    }

    /// The skill's files, `SKILL.md` written from the frontmatter and instructions.
    fn into_files(self) -> Vec<(String, Arc<[u8]>)> {
        let mut md = String::from("---\n");
        // `name` and `description` first, as people write them; the rest in key order.
        let first = ["name", "description"];
        for key in first {
            if let Some(value) = self.frontmatter.get(key) {
                write_yaml(&mut md, key, value, 0);
            }
        }
        for (key, value) in &self.frontmatter {
            if !first.contains(&key.as_str()) {
                write_yaml(&mut md, key, value, 0);
            }
        }
        md.push_str("---\n");
        if !self.body.is_empty() {
            md.push('\n');
            md.push_str(&self.body);
            if !self.body.ends_with('\n') {
                md.push('\n');
            }
        }
        let mut files = vec![(
            format!("{}/{}", self.dir, layout::SKILL_MD),
            Arc::<[u8]>::from(md.into_bytes()),
        )];
        for (path, bytes) in self.files {
            files.push((
                format!("{}/{}", self.dir, path.trim_start_matches('/')),
                bytes.into(),
            ));
        }
        files
    }
}

/// One `key: value` line (nested mappings indented); scalars are plain when YAML reads
/// them back as the same string, JSON-quoted otherwise (JSON is valid YAML), so the
/// frontmatter parsed back from `SKILL.md` equals what was declared.
fn write_yaml(out: &mut String, key: &str, value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    out.push_str(&pad);
    out.push_str(&yaml_scalar(key));
    out.push(':');
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            for (k, v) in m {
                write_yaml(out, k, v, indent + 2);
            }
        }
        Value::String(s) => {
            out.push(' ');
            out.push_str(&yaml_scalar(s));
            out.push('\n');
        }
        other => {
            out.push(' ');
            out.push_str(&other.to_string());
            out.push('\n');
        }
    }
}

fn yaml_scalar(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " _.,()/-'".contains(c))
        && !s.ends_with(' ')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "nan" | "inf"
        );
    if plain {
        s.to_owned()
    } else {
        Value::String(s.to_owned()).to_string()
    }
}

/// Every file under `root` (hidden ones left out) with its bytes.
fn read_dir(root: &Path) -> Result<Files, String> {
    layout::files_under(root)?
        .into_iter()
        .map(|(rel, path)| match std::fs::read(&path) {
            Ok(bytes) => Ok((rel, Arc::<[u8]>::from(bytes))),
            Err(e) => Err(format!("{rel}: {e}")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_skills_round_trip_their_frontmatter() {
        let skill = Skill::new(
            "pdf-processing",
            "Extract: fill, and assemble \"PDF\" documents",
        )
        .license("Apache-2.0")
        .metadata("version", "2.1.0")
        .field("allowed-tools", "Bash(pdftk:*) Read")
        .instructions("Body");
        let want = skill.frontmatter.clone();
        let files = skill.into_files();
        let text = std::str::from_utf8(&files[0].1).unwrap();
        assert_eq!(layout::parse_frontmatter(text).unwrap(), want, "{text}");
        assert!(text.ends_with("---\n\nBody\n"), "{text}");
    }
}
