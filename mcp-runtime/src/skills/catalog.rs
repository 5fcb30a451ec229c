//! The skills a server serves, built once: entries with digests, `skills/list` pages,
//! `skills/get` answers, the folder tree, and the resources and methods of the extension.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::layout::{Found, SKILL_MD};
use super::EXTENSION_ID;
use crate::dispatch::CacheScope;
use crate::error::Error;
use crate::extension::{Extension, ExtensionMethod, Output};
use crate::extract::Context;
use crate::protocol::Resource;
use crate::server::pager::{self, Page};
use crate::server::ResourceDef;

/// `mimeType` of a folder.
const DIRECTORY: &str = "inode/directory";
/// The cursor kind of `skills/list`.
const SKILLS: &str = "skills";

/// One file of a skill, as listed in its entry.
#[derive(Serialize)]
struct SkillResource {
    uri: String,
    digest: String,
    size: u64,
}

/// A skill's entry in `skills/list` and `skills/get`.
#[derive(Serialize)]
struct Entry {
    uri: String,
    frontmatter: Map<String, Value>,
    resources: Vec<SkillResource>,
}

struct Catalog {
    pages: Vec<Page>,
    /// `skills/get` results by `SKILL.md` URI.
    by_uri: HashMap<String, Page>,
    /// Each folder's direct children by folder URI (no trailing `/`).
    folders: HashMap<String, Vec<Resource>>,
    page_size: usize,
}

/// The extension serving `files` (sorted by path), of which `found` are the skills.
pub(super) fn extension(
    files: Vec<(String, Arc<[u8]>)>,
    found: Vec<Found>,
    page_size: usize,
) -> Result<Extension, Error> {
    let uris: Vec<String> = files.iter().map(|(p, _)| uri(p)).collect();
    let digests: Vec<(String, u64)> = files
        .iter()
        .map(|(_, b)| (format!("sha256:{:x}", Sha256::digest(b)), b.len() as u64))
        .collect();
    let mut entries = Vec::with_capacity(found.len());
    let mut names: HashMap<&str, &str> = HashMap::new();
    for skill in &found {
        let name = skill.frontmatter["name"].as_str().unwrap_or_default();
        if let Some(other) = names.insert(name, &skill.dir) {
            tracing::warn!(name, first = other, second = %skill.dir, "two skills share a name; hosts tell them apart by URI");
        }
        let prefix = format!("{}/", skill.dir);
        let resources = files
            .iter()
            .zip(&uris)
            .zip(&digests)
            .filter(|(((p, _), _), _)| p.starts_with(&prefix))
            .map(|((_, uri), (digest, size))| SkillResource {
                uri: uri.clone(),
                digest: digest.clone(),
                size: *size,
            })
            .collect();
        entries.push(Entry {
            uri: uri(&format!("{}/{SKILL_MD}", skill.dir)),
            frontmatter: skill.frontmatter.clone(),
            resources,
        });
    }
    let pages = pager::render_all(SKILLS, &entries, page_size, |chunk, next| {
        let mut page = serde_json::json!({ "skills": chunk });
        if let Some(next) = next {
            page["nextCursor"] = Value::String(next);
        }
        page
    })?;
    let mut by_uri = HashMap::with_capacity(entries.len());
    for e in &entries {
        let body = serde_json::to_vec(&serde_json::json!({ "skill": e }))?;
        by_uri.insert(e.uri.clone(), Page::from(body));
    }

    let skill_md: HashMap<&str, &Found> = found.iter().map(|f| (f.dir.as_str(), f)).collect();
    let mut ext =
        Extension::new(EXTENSION_ID).settings(serde_json::json!({ "directoryRead": true }));
    let mut folders: BTreeMap<String, Vec<Resource>> = BTreeMap::new();
    for (((path, bytes), uri), (_, size)) in files.iter().zip(&uris).zip(&digests) {
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        let mut resource = Resource::new(uri.clone(), file.to_owned());
        resource.mime_type = Some(mime_type(file, bytes).to_owned());
        resource.size = Some(*size);
        let listed = file == SKILL_MD && skill_md.contains_key(dir);
        if listed {
            let fm = &skill_md[dir].frontmatter;
            resource.name = fm["name"].as_str().unwrap_or_default().to_owned();
            resource.description = fm["description"].as_str().map(str::to_owned);
        }
        // Every folder on the way holds its child: the file, then each sub-folder.
        let mut child = resource.clone();
        let mut at = dir;
        loop {
            let folder = uri_of_dir(at);
            let children = folders.entry(folder).or_default();
            if !children.iter().any(|c| c.uri == child.uri) {
                children.push(child);
            }
            let Some((parent, name)) = at.rsplit_once('/') else {
                break;
            };
            child = Resource::new(uri_of_dir(at), name.to_owned());
            child.mime_type = Some(DIRECTORY.to_owned());
            at = parent;
        }
        let mut def = resource_def(resource, bytes.clone());
        if !listed {
            def = def.unlisted();
        }
        ext = ext.resource(def);
    }
    // Top-level folders are not children of anything served; `skill://` itself is no
    // folder.
    for children in folders.values_mut() {
        children.sort_by(|a, b| a.uri.cmp(&b.uri));
    }
    let catalog = Arc::new(Catalog {
        pages,
        by_uri,
        folders: folders.into_iter().collect(),
        page_size,
    });
    let (list, get, dir) = (catalog.clone(), catalog.clone(), catalog);
    Ok(ext
        .method(
            ExtensionMethod::encoded("skills/list", move |_: Context, p: ListParams| {
                let page = pager::page_index(SKILLS, p.cursor.as_deref(), list.pages.len())
                    .map(|i| Output::Shared(list.pages[i].clone()));
                std::future::ready(page)
            })
            .cacheable(CacheScope::Public),
        )
        .method(
            ExtensionMethod::encoded("skills/get", move |_: Context, p: UriParams| {
                let entry = get
                    .by_uri
                    .get(&p.uri)
                    .cloned()
                    .map(Output::Shared)
                    .ok_or_else(|| {
                        Error::invalid_params(format!("No skill is served at {}", p.uri))
                    });
                std::future::ready(entry)
            })
            .cacheable(CacheScope::Public),
        )
        .method(ExtensionMethod::encoded(
            "resources/directory/read",
            move |_: Context, p: DirParams| std::future::ready(dir.read_dir(&p)),
        )))
}

impl Catalog {
    fn read_dir(&self, p: &DirParams) -> Result<Output, Error> {
        let uri = p.uri.strip_suffix('/').unwrap_or(&p.uri);
        let children = self.folders.get(uri).ok_or_else(|| {
            Error::invalid_params(format!("{} is not a directory resource", p.uri))
        })?;
        let index = pager::page_index(
            uri,
            p.cursor.as_deref(),
            pager::page_count(children.len(), self.page_size),
        )?;
        let body = pager::render(uri, children, self.page_size, index, |items, next| {
            crate::protocol::ListResourcesResult {
                resources: items.to_vec(),
                next_cursor: next,
            }
        })?;
        Ok(Output::Object(body))
    }
}

#[derive(Deserialize)]
struct ListParams {
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct UriParams {
    uri: String,
}

#[derive(Deserialize)]
struct DirParams {
    uri: String,
    #[serde(default)]
    cursor: Option<String>,
}

/// A file's resource: text when its bytes are UTF-8, else a base64 blob.
fn resource_def(resource: Resource, bytes: Arc<[u8]>) -> ResourceDef {
    let mut def = match std::str::from_utf8(&bytes) {
        Ok(text) => {
            let text: Arc<str> = text.into();
            ResourceDef::new(resource.uri.clone(), resource.name.clone(), move |_| {
                std::future::ready(text.to_string())
            })
        }
        Err(_) => ResourceDef::new(resource.uri.clone(), resource.name.clone(), move |_| {
            std::future::ready(bytes.to_vec())
        }),
    };
    def.resource = resource;
    def
}

/// `skill://` + the path, each segment percent-encoded where URIs need it (the first is
/// the URI's authority, so `:` and `@` are encoded there too).
fn uri(path: &str) -> String {
    let mut out = String::from("skill://");
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        for b in segment.bytes() {
            let keep = b.is_ascii_alphanumeric()
                || b"-._~!$&'()*+,;=".contains(&b)
                || (i > 0 && (b == b':' || b == b'@'));
            if keep {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn uri_of_dir(dir: &str) -> String {
    uri(dir)
}

/// A file's MIME type from its extension; unknown ones are `text/plain` when UTF-8.
fn mime_type(file: &str, bytes: &[u8]) -> &'static str {
    let ext = file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("md" | "markdown") => "text/markdown",
        Some("txt") => "text/plain",
        Some("py") => "text/x-python",
        Some("sh" | "bash") => "text/x-shellscript",
        Some("js" | "mjs") => "text/javascript",
        Some("ts") => "text/x-typescript",
        Some("json") => "application/json",
        Some("yaml" | "yml") => "application/yaml",
        Some("toml") => "application/toml",
        Some("xml") => "application/xml",
        Some("csv") => "text/csv",
        Some("html" | "htm") => "text/html",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("pdf") => "application/pdf",
        Some("zip") => "application/zip",
        _ if std::str::from_utf8(bytes).is_ok() => "text/plain",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_encode_what_uris_need() {
        assert_eq!(
            uri("pdf-processing/SKILL.md"),
            "skill://pdf-processing/SKILL.md"
        );
        assert_eq!(uri("a b/x:y/My File.md"), "skill://a%20b/x:y/My%20File.md");
        assert_eq!(uri("user@host/x"), "skill://user%40host/x");
    }
}
