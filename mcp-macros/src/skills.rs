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
    let found = layout::files_under(&root).map_err(|e| format!("skills folder `{folder}`: {e}"))?;
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
