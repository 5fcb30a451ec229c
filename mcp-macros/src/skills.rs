//! `include_skills!("folder")`: a skills folder embedded in the binary and checked now,
//! with the runtime's own rules (`mcp-runtime/src/skills/layout.rs`, included here), so
//! an invalid `SKILL.md` is a compile error naming the file.
//!
//! The files are embedded with `include_bytes!`, so cargo rebuilds when one of them
//! changes; a file added to or removed from the folder is seen on the next build of the
//! crate (as with other folder-embedding macros).

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::LitStr;

#[allow(dead_code)]
#[path = "../../mcp-runtime/src/skills/layout.rs"]
mod layout;

/// `"folder"` and an optional `, crate = path`.
pub(crate) struct Input {
    folder: LitStr,
    krate: syn::Path,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let folder: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the skills folder, relative to Cargo.toml: include_skills!(\"skills\")",
            )
        })?;
        let mut krate = syn::parse_quote!(::mcpserve);
        if input.parse::<Option<syn::Token![,]>>()?.is_some() && !input.is_empty() {
            input.parse::<syn::Token![crate]>()?;
            input.parse::<syn::Token![=]>()?;
            krate = input.parse()?;
            input.parse::<Option<syn::Token![,]>>()?;
        }
        Ok(Input { folder, krate })
    }
}

pub(crate) fn expand(input: Input) -> TokenStream {
    match files(&input) {
        Ok(files) => {
            let krate = &input.krate;
            let folder = input.folder.value();
            let entries = files.iter().map(|(rel, abs)| {
                let abs = abs.to_string_lossy();
                quote!((#rel, ::core::include_bytes!(#abs) as &'static [u8]))
            });
            quote! {
                #krate::skills::EmbeddedSkills::__new(#folder, &[#(#entries),*])
            }
        }
        Err(message) => syn::Error::new(input.folder.span(), message).to_compile_error(),
    }
}

/// The folder's files inside skills (relative path, absolute path), checked.
fn files(input: &Input) -> Result<Vec<(String, PathBuf)>, String> {
    let folder = input.folder.value();
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .map_err(|_| "CARGO_MANIFEST_DIR is not set: build with cargo".to_owned())?;
    let root = Path::new(&manifest).join(&folder);
    let mut found = Vec::new();
    walk(&root, &root, &mut found).map_err(|e| format!("skills folder `{folder}`: {e}"))?;
    found.sort();
    let mut loaded = Vec::with_capacity(found.len());
    for (rel, abs) in &found {
        let bytes =
            std::fs::read(abs).map_err(|e| format!("skills folder `{folder}`: {rel}: {e}"))?;
        loaded.push((rel.as_str(), bytes));
    }
    let refs: Vec<(&str, &[u8])> = loaded.iter().map(|(p, b)| (*p, b.as_slice())).collect();
    let skills = layout::discover(&refs).map_err(|e| format!("skills folder `{folder}`: {e}"))?;
    if skills.is_empty() {
        return Err(format!(
            "skills folder `{folder}`: no skill found (a skill is a folder holding a SKILL.md)"
        ));
    }
    Ok(found
        .into_iter()
        .filter(|(rel, _)| {
            skills
                .iter()
                .any(|s| rel.starts_with(&format!("{}/", s.dir)))
        })
        .collect())
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(format!("{}: the name is not UTF-8", path.display()));
        };
        if layout::skipped(name) {
            continue;
        }
        let meta = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_dir() {
            walk(root, &path, out)?;
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
    Ok(())
}
