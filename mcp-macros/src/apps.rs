//! MCP Apps options: `#[tool(app = "ui://..", visibility = [..])]` and
//! `#[resource("ui://..", app(csp(..), permissions = [..], ..))]`.
//!
//! Both become `_meta.ui` JSON merged into the item's `_meta` text here, with the
//! runtime's own rules (`mcp-runtime/src/apps/rules.rs`, included), so the runtime sees
//! the same metadata a `ToolDef::app` or `ResourceDef::app` writes. A tool's `app` URI is
//! checked against the UI resources its crate declares (see [`check_declared`]).

use proc_macro2::Span;
use serde_json::{Map, Value};
use syn::meta::ParseNestedMeta;
use syn::LitStr;

use crate::parse::attr::{path_str, string, Spanned};

#[allow(dead_code)]
#[path = "../../mcp-runtime/src/apps/rules.rs"]
mod rules;

pub(crate) use rules::UI_SCHEME;

/// The MIME type of an MCP Apps view (the runtime's `apps::MIME_TYPE`).
pub(crate) const MIME_TYPE: &str = "text/html;profile=mcp-app";

/// `app = "ui://.."` on a tool: the URI, checked.
pub(crate) fn tool_app(meta: &ParseNestedMeta<'_>) -> syn::Result<Spanned> {
    let lit = string(meta)?;
    rules::check_ui_uri(&lit.value()).map_err(|e| syn::Error::new(lit.span(), e))?;
    Ok(lit.into())
}

/// `visibility = ["model", "app"]` on a tool, checked.
pub(crate) fn visibility(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<String>> {
    let array = meta.value()?.parse::<syn::ExprArray>()?;
    let mut lits = Vec::new();
    for elem in &array.elems {
        match elem {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => lits.push(s.clone()),
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    "`visibility` takes \"model\" and/or \"app\", e.g. visibility = [\"app\"]",
                ))
            }
        }
    }
    let values: Vec<String> = lits.iter().map(LitStr::value).collect();
    rules::check_visibility(values.iter().map(String::as_str))
        .map_err(|e| syn::Error::new_spanned(&array, e))?;
    Ok(values)
}

/// A tool's `_meta.ui`.
pub(crate) fn tool_ui(app: Option<&Spanned>, visibility: Option<&[String]>) -> Option<Value> {
    if app.is_none() && visibility.is_none() {
        return None;
    }
    let mut ui = Map::new();
    if let Some(uri) = app {
        ui.insert("resourceUri".into(), Value::String(uri.value.clone()));
    }
    if let Some(v) = visibility {
        ui.insert(
            "visibility".into(),
            v.iter().cloned().map(Value::from).collect(),
        );
    }
    Some(Value::Object(ui))
}

/// `app` or `app(csp(connect = [..], resource = [..], frame = [..], base_uri = [..]),
/// permissions = [..], domain = "..", prefers_border = true)` on a resource: its
/// `_meta.ui`, checked.
pub(crate) fn resource_app(meta: &ParseNestedMeta<'_>) -> syn::Result<Value> {
    let mut ui = Map::new();
    if !meta.input.peek(syn::token::Paren) {
        return Ok(Value::Object(ui));
    }
    meta.parse_nested_meta(|m| {
        let p = &m.path;
        let key = path_str(p);
        let wire = match key.as_str() {
            "csp" => "csp",
            "permissions" => "permissions",
            "domain" => "domain",
            "prefers_border" => "prefersBorder",
            _ => {
                return Err(m.error(format_args!(
                    "unknown `app` option `{key}`; expected one of: csp, permissions, domain, prefers_border"
                )))
            }
        };
        if ui.contains_key(wire) {
            return Err(m.error(format_args!("duplicate `{key}` option")));
        }
        let value = match key.as_str() {
            "csp" => csp(&m)?,
            "permissions" => permissions(&m)?,
            "domain" => {
                let lit = string(&m)?;
                if lit.value().trim().is_empty() {
                    return Err(syn::Error::new(lit.span(), "`domain` is empty"));
                }
                Value::String(lit.value())
            }
            _ => Value::Bool(m.value()?.parse::<syn::LitBool>()?.value),
        };
        ui.insert(wire.into(), value);
        Ok(())
    })?;
    Ok(Value::Object(ui))
}

/// `csp(connect = ["https://.."], resource = [..], frame = [..], base_uri = [..])`.
fn csp(meta: &ParseNestedMeta<'_>) -> syn::Result<Value> {
    let mut csp = Map::new();
    meta.parse_nested_meta(|m| {
        let key = path_str(&m.path);
        let wire = match key.as_str() {
            "connect" => "connectDomains",
            "resource" => "resourceDomains",
            "frame" => "frameDomains",
            "base_uri" => "baseUriDomains",
            _ => {
                return Err(m.error(format_args!(
                "unknown `csp` option `{key}`; expected one of: connect, resource, frame, base_uri"
            )))
            }
        };
        if csp.contains_key(wire) {
            return Err(m.error(format_args!("duplicate `{key}` option")));
        }
        let mut origins = Vec::new();
        for lit in strings(&m, "origins, e.g. connect = [\"https://api.example.com\"]")? {
            rules::check_origin(&lit.value()).map_err(|e| syn::Error::new(lit.span(), e))?;
            origins.push(Value::String(lit.value()));
        }
        csp.insert(wire.into(), Value::Array(origins));
        Ok(())
    })?;
    Ok(Value::Object(csp))
}

/// `permissions = ["camera", "clipboard_write"]`.
fn permissions(meta: &ParseNestedMeta<'_>) -> syn::Result<Value> {
    let mut out = Map::new();
    for lit in strings(meta, "permission names, e.g. permissions = [\"camera\"]")? {
        let v = lit.value();
        let Some((_, wire)) = rules::PERMISSIONS.iter().find(|(name, _)| *name == v) else {
            return Err(syn::Error::new(
                lit.span(),
                format!("unknown permission `{v}`: expected camera, microphone, geolocation or clipboard_write"),
            ));
        };
        out.insert((*wire).into(), Value::Object(Map::new()));
    }
    Ok(Value::Object(out))
}

/// `= ["..", ..]`: string literals.
fn strings(meta: &ParseNestedMeta<'_>, what: &str) -> syn::Result<Vec<LitStr>> {
    let array = meta.value()?.parse::<syn::ExprArray>()?;
    array
        .elems
        .iter()
        .map(|e| match e {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Ok(s.clone()),
            other => Err(syn::Error::new_spanned(
                other,
                format!("expected string literals: {what}"),
            )),
        })
        .collect()
}

/// The item's `_meta` text with `ui` added: a `meta = ".."` of its own may not set `ui`
/// too.
pub(crate) fn merge_meta(meta: Option<Spanned>, ui: Value, at: Span) -> syn::Result<Spanned> {
    let (mut map, span) = match &meta {
        Some(m) => match serde_json::from_str::<Value>(&m.value) {
            Ok(Value::Object(map)) => (map, m.span),
            _ => (Map::new(), m.span),
        },
        None => (Map::new(), at),
    };
    if map.contains_key("ui") {
        return Err(syn::Error::new(
            span,
            "`meta` sets `ui` and so do the MCP Apps options (`app`, `visibility`): keep one",
        ));
    }
    map.insert("ui".into(), ui);
    Ok(Spanned {
        value: Value::Object(map).to_string(),
        span,
    })
}

/// Checks at compile time that the view `uri` a tool names is a UI resource its crate
/// declares. The attribute sees only its function, so this reads the crate's source
/// files (the tool's file, and `src/` for a library or a binary): every string literal
/// starting with `ui://` that is not itself a tool's `app = ".."` declares a UI
/// resource (`#[resource("ui://..")]`, `ResourceDef::new("ui://..", ..)`, a constant).
///
/// A tool whose crate declares UI resources but not this one is an error listing them.
/// When the crate declares none (the view lives in another crate, or its URI is built
/// at run time), or its sources cannot be read, nothing is reported here and the
/// server's `build()` fails instead if the resource is missing.
pub(crate) fn check_declared(uri: &Spanned, fn_span: Span) -> syn::Result<()> {
    let Some(declared) = declared_views(fn_span) else {
        return Ok(());
    };
    if declared.is_empty() || declared.contains(&uri.value) {
        return Ok(());
    }
    Err(syn::Error::new(
        uri.span,
        format!(
            "no UI resource `{}` is declared in this crate (it declares {}): declare it with #[resource(\"{}\")] returning Html, or fix the URI",
            uri.value,
            declared
                .iter()
                .map(|d| format!("`{d}`"))
                .collect::<Vec<_>>()
                .join(", "),
            uri.value
        ),
    ))
}

/// The `ui://` URIs the crate of the item at `span` declares, or `None` when its
/// sources are unknown.
fn declared_views(span: Span) -> Option<Vec<String>> {
    let file = span.local_file()?;
    let file = file.canonicalize().ok()?;
    let manifest = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").ok()?)
        .canonicalize()
        .ok()?;
    let mut files = vec![file.clone()];
    let src = manifest.join("src");
    // A library's or binary's modules; for an example, test or bench (one file, or a
    // folder with `main.rs`), its own folder, plus the package's library it links.
    if let Ok(rel) = file.strip_prefix(&manifest) {
        let mut parts = rel.components();
        let top = parts.next().map(|c| c.as_os_str().to_owned());
        let rest = parts.as_path();
        if rest.components().count() > 1 {
            if let Some(top) = &top {
                let dir = manifest
                    .join(top)
                    .join(rest.components().next()?.as_os_str());
                collect_rs(&dir, &mut files);
            }
        }
        collect_rs(&src, &mut files);
    }
    files.sort();
    files.dedup();
    let mut out = Vec::new();
    for f in files {
        let found = SCANNED.with(|cache| {
            cache
                .borrow_mut()
                .entry(f.clone())
                .or_insert_with(|| {
                    std::fs::read_to_string(&f)
                        .map(|t| ui_literals(&t))
                        .unwrap_or_default()
                })
                .clone()
        });
        for uri in found {
            if !out.contains(&uri) {
                out.push(uri);
            }
        }
    }
    Some(out)
}

thread_local! {
    /// Declared views by file: the tools of one crate are expanded in one process.
    static SCANNED: std::cell::RefCell<std::collections::HashMap<std::path::PathBuf, Vec<String>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Every `.rs` file under `dir`.
fn collect_rs(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            if let Ok(p) = path.canonicalize() {
                out.push(p);
            }
        }
    }
}

/// The `ui://` string literals of Rust source `text` that declare a view: outside
/// comments, and not the value of an `app = ` option.
fn ui_literals(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let Some(token) = crate::source::non_code(text, i) else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        if let Some(body) = token.string {
            let lit = &text[body.clone()];
            if lit.starts_with(UI_SCHEME)
                && !lit.contains('\\')
                && !is_app_option(&text[..body.start - 1])
            {
                out.push(lit.to_owned());
            }
        }
        i = token.end;
    }
    out
}

/// Whether `before` ends with `app =` (the literal after it is a tool's link).
fn is_app_option(before: &str) -> bool {
    let Some(rest) = before.trim_end().strip_suffix('=') else {
        return false;
    };
    let rest = rest.trim_end();
    rest.strip_suffix("app")
        .is_some_and(|r| !r.ends_with(|c: char| c.is_alphanumeric() || c == '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_declared_views_not_tool_links() {
        let src = r#"
            // #[resource("ui://commented/out")]
            #[tool(app = "ui://charts/sales")]
            fn a() {}
            #[tool(app= "ui://charts/other", visibility = ["app"])]
            fn b() {}
            #[resource("ui://charts/sales", app(csp(connect = ["https://x.com"])))]
            fn view() {}
            const C: char = '"';
            fn f() { ResourceDef::new("ui://run/time", "x", h); let my_app = "ui://const"; }
        "#;
        assert_eq!(
            ui_literals(src),
            vec!["ui://charts/sales", "ui://run/time", "ui://const"]
        );
    }
}
