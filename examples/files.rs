//! Serves a directory read-only: every file is a resource (`file:///{+path}`), listed
//! in `resources/list`, with path completion and a prompt that embeds a file.
//!
//! ```text
//! cargo run --example files -- /path/to/dir      # default: the current directory
//! ```

use std::path::{Path, PathBuf};

use mcpserve::prelude::*;
use mcpserve::{Contents, ResourceContents};

/// The served directory, canonicalized once at startup.
#[derive(Clone)]
struct Root(PathBuf);

/// Most files `resources/list` reports.
const LIST_LIMIT: usize = 500;

/// A file under the served directory.
#[resource("file:///{+path}", list = list_files)]
async fn file(
    /// Path relative to the served directory.
    #[arg(complete = complete_path)]
    path: SafePath,
    State(Root(root)): State<Root>,
) -> Result<Contents, Error> {
    let contents = Contents::from_bytes(read_under(&root, &path).await?);
    let mime = match (&contents, mime_for(path.as_str())) {
        (Contents::Text(_), "application/octet-stream") => "text/plain",
        (_, mime) => mime,
    };
    Ok(contents.mime_type(mime))
}

/// Reads a regular file, refusing anything that resolves outside `root` (symlinks).
async fn read_under(root: &Path, path: &SafePath) -> Result<Vec<u8>, Error> {
    let uri = format!("file:///{path}");
    let full = tokio::fs::canonicalize(path.join_under(root))
        .await
        .map_err(|_| Error::resource_not_found(&uri))?;
    let meta = tokio::fs::metadata(&full)
        .await
        .map_err(|_| Error::resource_not_found(&uri))?;
    if !full.starts_with(root) || !meta.is_file() {
        return Err(Error::resource_not_found(uri));
    }
    tokio::fs::read(&full)
        .await
        .map_err(|e| Error::internal(format!("cannot read {path}: {e}")))
}

/// Every regular file, breadth-first, in name order.
async fn list_files(ctx: Context) -> Result<Vec<Resource>, Error> {
    let Root(root) = ctx.state::<Root>().expect("root is registered");
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for (path, meta) in entries(&dir).await {
            let Ok(rel) = path.strip_prefix(&root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if meta.is_dir() {
                dirs.insert(0, path);
            } else if meta.is_file() && out.len() < LIST_LIMIT {
                out.push(
                    Resource::new(format!("file:///{rel}"), rel.clone())
                        .mime_type(mime_for(&rel))
                        .size(meta.len()),
                );
            }
        }
    }
    Ok(out)
}

/// A directory's entries (symlinks not followed), sorted by name.
async fn entries(dir: &Path) -> Vec<(PathBuf, std::fs::Metadata)> {
    let mut out = Vec::new();
    if let Ok(mut rd) = tokio::fs::read_dir(dir).await {
        while let Ok(Some(e)) = rd.next_entry().await {
            if let Ok(meta) = tokio::fs::symlink_metadata(e.path()).await {
                out.push((e.path(), meta));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Completes a path one directory level at a time.
async fn complete_path(req: CompletionRequest) -> Vec<String> {
    let Some(Root(root)) = req.context().state::<Root>() else {
        return Vec::new();
    };
    let partial = req.value();
    let (dir, prefix) = partial.rsplit_once('/').unwrap_or(("", partial));
    let Ok(dir) = dir.parse::<SafePath>() else {
        return Vec::new();
    };
    entries(&dir.join_under(&root))
        .await
        .into_iter()
        .filter_map(|(path, meta)| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            let sep = if meta.is_dir() { "/" } else { "" };
            let full = if dir.is_root() {
                format!("{name}{sep}")
            } else {
                format!("{dir}/{name}{sep}")
            };
            name.starts_with(prefix).then_some(full)
        })
        .collect()
}

/// Ask the model to summarize a file; the file travels as an embedded resource.
#[prompt(title = "Summarize a file")]
async fn summarize(
    /// Path relative to the served directory.
    #[arg(complete = complete_path)]
    path: SafePath,
    /// What to focus on.
    focus: Option<String>,
    State(Root(root)): State<Root>,
) -> Result<Vec<PromptMessage>, Error> {
    let bytes = read_under(&root, &path).await?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::invalid_params(format!("{path} is not a text file")))?;
    let embedded = Content::embedded(ResourceContents::Text {
        uri: format!("file:///{path}"),
        mime_type: Some(mime_for(path.as_str()).to_owned()),
        text,
        meta: None,
    });
    let ask = match focus {
        Some(f) => format!("Summarize this file, focusing on {f}."),
        None => "Summarize this file.".to_owned(),
    };
    Ok(vec![
        PromptMessage::user(embedded),
        PromptMessage::user(ask),
    ])
}

fn mime_for(path: &str) -> &'static str {
    match path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .as_deref()
    {
        Some("md") => "text/markdown",
        Some("rs") => "text/x-rust",
        Some("py") => "text/x-python",
        Some("json") => "application/json",
        Some("toml") => "application/toml",
        Some("html" | "htm") => "text/html",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("pdf") => "application/pdf",
        Some("txt" | "log" | "csv" | "yml" | "yaml" | "sh" | "ts" | "js") => "text/plain",
        _ => "application/octet-stream",
    }
}

#[tokio::main]
async fn main() -> mcpserve::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let root = std::fs::canonicalize(&dir)
        .map_err(|e| mcpserve::Error::startup(format!("cannot serve {}: {e}", dir.display())))?;
    Server::from_registry()
        .instructions(format!(
            "Read-only access to the files under {}.",
            root.display()
        ))
        .state(Root(root))
        .build()?
        .serve_stdio()
        .await
}
