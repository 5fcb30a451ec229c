//! The rules of a skills folder (Agent Skills format, SEP-2640 limits): which folders
//! are skills, their `SKILL.md` frontmatter, names and sizes.
//!
//! `mcp-macros` compiles this very file (`#[path]` include) for `include_skills!`, so a
//! folder embedded at compile time is checked by the same rules, with the same
//! messages, as one read from disk at startup. It uses only `std`, `serde_json` and
//! `yaml_rust2`, which both crates depend on.

use serde_json::{Map, Number, Value};
use yaml_rust2::{Yaml, YamlLoader};

/// Most files one skill may have (SEP-2640: hosts must accept up to this).
pub const MAX_RESOURCES: usize = 512;
/// Most bytes one skill's files may add up to (16 MiB).
pub const MAX_TOTAL_BYTES: u64 = 16 * 1024 * 1024;
/// The file that makes a folder a skill.
pub const SKILL_MD: &str = "SKILL.md";

/// A skill found in a folder.
pub struct Found {
    /// Its path relative to the skills folder (`pdf-processing`, `acme/billing/refunds`).
    pub dir: String,
    /// Its `SKILL.md` frontmatter, verbatim as JSON.
    pub frontmatter: Map<String, Value>,
}

/// Whether a file or folder name is left out of a skills folder (hidden files such as
/// `.DS_Store` or `.git`).
pub fn skipped(name: &str) -> bool {
    name.starts_with('.')
}

/// Every file under `root` (hidden ones left out): its path relative to `root`
/// (`/`-separated) and its path on disk, sorted. Errors name the file or folder.
pub fn files_under(root: &std::path::Path) -> Result<Vec<(String, std::path::PathBuf)>, String> {
    let meta = std::fs::metadata(root).map_err(|e| format!("cannot read it: {e}"))?;
    if !meta.is_dir() {
        return Err("not a folder".into());
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = entry.path();
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return Err(format!("{}: a file name that is not UTF-8", path.display()));
            };
            if skipped(name) {
                continue;
            }
            let meta = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            if meta.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .expect("walked from the root")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((rel, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Finds the skills among `files` (relative `/`-separated paths and contents) and
/// checks each: frontmatter, name, file count and total size. Errors name the file.
pub fn discover(files: &[(&str, &[u8])]) -> Result<Vec<Found>, String> {
    let mut found = Vec::new();
    for (path, bytes) in files {
        check_path(path)?;
        let (dir, file) = match path.rsplit_once('/') {
            Some((dir, file)) => (dir, file),
            None => ("", *path),
        };
        if file != SKILL_MD {
            continue;
        }
        if dir.is_empty() {
            return Err(format!(
                "{path}: a SKILL.md at the top of the skills folder belongs to no skill; put each skill in a folder named after it"
            ));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| format!("{path}: SKILL.md is not UTF-8 text"))?;
        let frontmatter = parse_frontmatter(text).map_err(|e| format!("{path}: {e}"))?;
        let folder = dir.rsplit('/').next().unwrap_or(dir);
        check_frontmatter(&frontmatter, folder).map_err(|e| format!("{path}: {e}"))?;
        found.push(Found {
            dir: dir.to_owned(),
            frontmatter,
        });
    }
    for skill in &found {
        let prefix = format!("{}/", skill.dir);
        let (mut count, mut total) = (0usize, 0u64);
        for (path, bytes) in files.iter().filter(|(p, _)| p.starts_with(&prefix)) {
            count += 1;
            total += bytes.len() as u64;
            if count > MAX_RESOURCES {
                return Err(format!(
                    "{path}: skill `{}` has more than {MAX_RESOURCES} files, more than hosts must accept (SEP-2640)",
                    skill.dir
                ));
            }
        }
        if total > MAX_TOTAL_BYTES {
            return Err(format!(
                "{}/SKILL.md: the files of skill `{}` add up to {total} bytes, more than the 16 MiB hosts must accept (SEP-2640)",
                skill.dir, skill.dir
            ));
        }
    }
    Ok(found)
}

/// A relative path: non-empty segments, none `.` or `..`, no `\`.
pub fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty()
        || path.contains('\\')
        || path
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(format!("{path}: not a plain relative path"));
    }
    Ok(())
}

/// The YAML frontmatter of a `SKILL.md` (between a first `---` line and the next),
/// as a JSON object.
pub fn parse_frontmatter(text: &str) -> Result<Map<String, Value>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or_default();
    if first.trim_end() != "---" {
        return Err("SKILL.md must begin with YAML frontmatter: a `---` line, `name:` and `description:`, then `---`".into());
    }
    let mut yaml = String::new();
    let mut closed = false;
    for line in lines {
        if line.trim_end() == "---" {
            closed = true;
            break;
        }
        yaml.push_str(line);
    }
    if !closed {
        return Err("the frontmatter has no closing `---` line".into());
    }
    let docs = YamlLoader::load_from_str(&yaml)
        .map_err(|e| format!("the frontmatter is not valid YAML: {e}"))?;
    match docs.into_iter().next() {
        Some(Yaml::Hash(hash)) => match to_json(Yaml::Hash(hash))? {
            Value::Object(map) => Ok(map),
            _ => unreachable!("a YAML mapping converts to an object"),
        },
        Some(Yaml::Null) | None => {
            Err("the frontmatter is empty: it needs `name` and `description`".into())
        }
        Some(_) => Err("the frontmatter must be a YAML mapping (`key: value` lines)".into()),
    }
}

fn to_json(yaml: Yaml) -> Result<Value, String> {
    Ok(match yaml {
        Yaml::String(s) => Value::String(s),
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::Number(i.into()),
        Yaml::Real(r) => {
            let f: f64 = r.parse().map_err(|_| {
                format!("the frontmatter holds the number `{r}`, which JSON cannot")
            })?;
            Value::Number(
                Number::from_f64(f)
                    .ok_or_else(|| format!("the frontmatter holds `{r}`, which JSON cannot"))?,
            )
        }
        Yaml::Null => Value::Null,
        Yaml::Array(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Yaml::Hash(hash) => {
            let mut map = Map::new();
            for (k, v) in hash {
                let key = match k {
                    Yaml::String(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    other => {
                        return Err(format!(
                            "the frontmatter has a key that is not a string: {other:?}"
                        ))
                    }
                };
                map.insert(key, to_json(v)?);
            }
            Value::Object(map)
        }
        Yaml::Alias(_) | Yaml::BadValue => {
            return Err("the frontmatter holds a value YAML could not resolve".into())
        }
    })
}

/// The Agent Skills rules: `name` (1–64 of `a-z`, `0-9`, `-`, no leading, trailing or
/// double hyphen) equal to the skill's folder, `description` (1–1024 characters), and
/// the optional `license`, `compatibility` (at most 500), `allowed-tools` (strings) and
/// `metadata` (a string map whose keys do not use the reserved
/// `io.modelcontextprotocol/` prefix).
pub fn check_frontmatter(fm: &Map<String, Value>, folder: &str) -> Result<(), String> {
    let name = match fm.get("name") {
        Some(Value::String(s)) => s,
        Some(_) => return Err("frontmatter `name` must be a string".into()),
        None => return Err("the frontmatter has no `name`".into()),
    };
    check_name(name).map_err(|e| format!("frontmatter `name`: {e}"))?;
    if name != folder {
        return Err(format!(
            "frontmatter `name` is `{name}` but the skill's folder is `{folder}`: they must be equal"
        ));
    }
    match fm.get("description") {
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(
                "frontmatter `description` is empty: say what the skill does and when to use it"
                    .into(),
            )
        }
        Some(Value::String(s)) if s.chars().count() > 1024 => {
            return Err(format!(
                "frontmatter `description` is {} characters long; the most is 1024",
                s.chars().count()
            ))
        }
        Some(Value::String(_)) => {}
        Some(_) => return Err("frontmatter `description` must be a string".into()),
        None => return Err("the frontmatter has no `description`".into()),
    }
    for key in ["license", "allowed-tools"] {
        if fm.get(key).is_some_and(|v| !v.is_string()) {
            return Err(format!("frontmatter `{key}` must be a string"));
        }
    }
    match fm.get("compatibility") {
        None => {}
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 500 => {}
        Some(_) => {
            return Err(
                "frontmatter `compatibility` must be a string of 1 to 500 characters".into(),
            )
        }
    }
    match fm.get("metadata") {
        None => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                if k.starts_with("io.modelcontextprotocol/") {
                    return Err(format!(
                        "frontmatter `metadata.{k}`: keys under `io.modelcontextprotocol/` are reserved for MCP extensions"
                    ));
                }
                if !v.is_string() {
                    return Err(format!("frontmatter `metadata.{k}` must be a string"));
                }
            }
        }
        Some(_) => return Err("frontmatter `metadata` must be a mapping of strings".into()),
    }
    Ok(())
}

/// A skill name: 1–64 characters of `a-z`, `0-9` and `-`, not starting or ending with
/// `-`, without `--`.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err(format!("`{name}` must be 1 to 64 characters long"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "`{name}` may only hold lowercase letters, digits and `-`"
        ));
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Err(format!(
            "`{name}` must not start or end with `-` or hold `--`"
        ));
    }
    Ok(())
}
