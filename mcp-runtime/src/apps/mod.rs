//! MCP Apps (`io.modelcontextprotocol/ui`, SEP-1865): interactive HTML views that hosts
//! render in a sandboxed iframe next to a tool's result.
//!
//! A view is a resource under the `ui://` scheme, served with the MIME type
//! [`MIME_TYPE`] (`text/html;profile=mcp-app`) and `_meta.ui` (its CSP origins,
//! permissions, dedicated domain, border preference) on both its `resources/list` entry
//! and the contents of `resources/read`. A tool names its view in `_meta.ui.resourceUri`;
//! a host that supports Apps reads the view, renders it and hands it the tool's input
//! and result; the view calls the server's tools through the host.
//!
//! ```ignore
//! /// Shows the sales of a quarter as a chart.
//! #[tool(app = "ui://charts/sales")]                 // _meta.ui.resourceUri
//! async fn sales_chart(quarter: u8) -> Json<Sales> { .. }
//!
//! /// Refreshes the chart's data (its view calls it; the model never sees it).
//! #[tool(app = "ui://charts/sales", visibility = ["app"])]
//! async fn refresh_sales(quarter: u8) -> Json<Sales> { .. }
//!
//! #[resource("ui://charts/sales", app(csp(connect = ["https://api.example.com"])))]
//! fn sales_ui() -> Html { Html(include_str!("sales.html").into()) }
//! ```
//!
//! What the server does:
//! * declares the extension (`capabilities.extensions["io.modelcontextprotocol/ui"]`) in
//!   both eras as soon as a tool or resource uses Apps;
//! * checks at build that every tool's `resourceUri` names a `ui://` resource it serves
//!   (the macros check it at compile time when both are in one crate), and that CSP
//!   origins and visibilities are well formed;
//! * serves a tool whose visibility leaves out `"model"` only to clients that declare
//!   the extension: a host that supports Apps keeps it from its model (the spec's rule
//!   for hosts) while its views may call it; to any other client it does not exist;
//! * also writes the legacy `_meta["ui/resourceUri"]` key next to `_meta.ui.resourceUri`,
//!   as the ext-apps SDK does, for hosts that only read the old key.
//!
//! Tools keep returning meaningful `content` for hosts without Apps (graceful
//! degradation); [`client_supports`] tells a handler whether the caller renders views.

mod rules;

use std::sync::Arc;

use serde_json::{Map, Value};

pub(crate) use rules::{check_origin, check_ui_uri, check_visibility, PERMISSIONS};

use crate::error::Error;
use crate::extension::Extension;
use crate::extract::Context;
use crate::protocol::types::Tool;
use crate::protocol::{Resource, ResourceContents};
use crate::resource::IntoResourceContents;
use crate::server::{ResourceCatalog, ResourceDef, ToolCatalog, ToolEntry};

/// The extension identifier.
pub const EXTENSION_ID: &str = "io.modelcontextprotocol/ui";

/// The MIME type of an HTML view.
pub const MIME_TYPE: &str = "text/html;profile=mcp-app";

/// The deprecated flat key some hosts still read instead of `_meta.ui.resourceUri`.
const LEGACY_RESOURCE_URI: &str = "ui/resourceUri";

/// An HTML document returned by a resource. In a `ui://` resource it is served as
/// [`MIME_TYPE`]; elsewhere as `text/html` unless the resource declares another type.
///
/// ```
/// use mcp_runtime::apps::Html;
/// let page = Html::from("<!doctype html><title>Sales</title>");
/// assert!(page.0.starts_with("<!doctype"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Html(pub String);

impl From<String> for Html {
    fn from(s: String) -> Self {
        Html(s)
    }
}

impl From<&str> for Html {
    fn from(s: &str) -> Self {
        Html(s.to_owned())
    }
}

impl IntoResourceContents for Html {
    fn into_contents(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<Vec<ResourceContents>, Error> {
        let mime = mime_type.unwrap_or(if uri.starts_with(rules::UI_SCHEME) {
            MIME_TYPE
        } else {
            "text/html"
        });
        Ok(vec![ResourceContents::Text {
            uri: uri.to_owned(),
            mime_type: Some(mime.to_owned()),
            text: self.0,
            meta: None,
        }])
    }
}

/// Who may call a tool (`_meta.ui.visibility`; both by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The agent sees and calls the tool.
    Model,
    /// The tool's views call it through the host.
    App,
}

impl Visibility {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Model => "model",
            Visibility::App => "app",
        }
    }
}

/// A view's sandbox settings, for a [`ResourceDef`] made at run time (the
/// `#[resource("ui://..", app(..))]` attribute writes the same `_meta.ui`).
///
/// ```
/// use mcp_runtime::apps::{Html, UiResource};
/// use mcp_runtime::ResourceDef;
///
/// let view = ResourceDef::new("ui://charts/sales", "sales-chart", |_| async {
///     Html::from("<!doctype html><p>chart</p>")
/// })
/// .app(
///     UiResource::new()
///         .connect_domains(["https://api.example.com"])
///         .permission("clipboard_write")
///         .prefers_border(true),
/// );
/// # let _ = view;
/// ```
#[derive(Debug, Clone, Default)]
pub struct UiResource {
    connect: Vec<String>,
    resource: Vec<String>,
    frame: Vec<String>,
    base_uri: Vec<String>,
    permissions: Vec<String>,
    domain: Option<String>,
    prefers_border: Option<bool>,
}

impl UiResource {
    /// No external origins, no permissions: the host's restrictive default CSP.
    pub fn new() -> Self {
        Self::default()
    }

    /// Origins the view may fetch from or open sockets to (`connect-src`).
    pub fn connect_domains<S: Into<String>>(
        mut self,
        origins: impl IntoIterator<Item = S>,
    ) -> Self {
        self.connect.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Origins of scripts, styles, images, fonts and media the view loads.
    pub fn resource_domains<S: Into<String>>(
        mut self,
        origins: impl IntoIterator<Item = S>,
    ) -> Self {
        self.resource.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Origins of iframes the view nests (`frame-src`).
    pub fn frame_domains<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.frame.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Allowed `<base>` URIs (`base-uri`).
    pub fn base_uri_domains<S: Into<String>>(
        mut self,
        origins: impl IntoIterator<Item = S>,
    ) -> Self {
        self.base_uri.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Asks for a browser permission: `camera`, `microphone`, `geolocation` or
    /// `clipboard_write` (checked at build).
    pub fn permission(mut self, name: impl Into<String>) -> Self {
        self.permissions.push(name.into());
        self
    }

    /// A dedicated sandbox origin (its format is up to each host).
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Whether the host should draw a border and background around the view.
    pub fn prefers_border(mut self, border: bool) -> Self {
        self.prefers_border = Some(border);
        self
    }

    /// `_meta.ui` as JSON, or the first invalid setting.
    fn to_meta(&self) -> Result<Value, String> {
        let mut csp = Map::new();
        for (key, origins) in [
            ("connectDomains", &self.connect),
            ("resourceDomains", &self.resource),
            ("frameDomains", &self.frame),
            ("baseUriDomains", &self.base_uri),
        ] {
            if origins.is_empty() {
                continue;
            }
            for o in origins {
                check_origin(o)?;
            }
            csp.insert(key.into(), origins.clone().into());
        }
        let mut ui = Map::new();
        if !csp.is_empty() {
            ui.insert("csp".into(), Value::Object(csp));
        }
        if !self.permissions.is_empty() {
            let mut perms = Map::new();
            for p in &self.permissions {
                let Some((_, wire)) = PERMISSIONS
                    .iter()
                    .find(|(name, wire)| name == p || wire == p)
                else {
                    return Err(format!(
                        "unknown permission `{p}`: expected camera, microphone, geolocation or clipboard_write"
                    ));
                };
                perms.insert((*wire).into(), Value::Object(Map::new()));
            }
            ui.insert("permissions".into(), Value::Object(perms));
        }
        if let Some(d) = &self.domain {
            ui.insert("domain".into(), Value::String(d.clone()));
        }
        if let Some(b) = self.prefers_border {
            ui.insert("prefersBorder".into(), Value::Bool(b));
        }
        Ok(Value::Object(ui))
    }
}

impl ResourceDef {
    /// Makes the resource an MCP Apps view: served as [`MIME_TYPE`] (unless a MIME type
    /// was set) with these settings in `_meta.ui`. The URI must use `ui://`; both are
    /// checked when the server is built.
    pub fn app(mut self, ui: UiResource) -> Self {
        if self.resource.mime_type.is_none() {
            self.resource.mime_type = Some(MIME_TYPE.to_owned());
        }
        let meta = self.resource.meta.get_or_insert_with(Map::new);
        match ui.to_meta() {
            Ok(v) => {
                meta.insert("ui".into(), v);
            }
            // Reported by `content_meta` at build, naming the resource.
            Err(why) => {
                meta.insert("ui".into(), Value::String(why));
            }
        }
        self
    }
}

/// True when the calling client renders MCP Apps views: it declares the extension with
/// [`MIME_TYPE`] among its `mimeTypes`. Tools linked to a view use it to decide how
/// much to put in their text `content` for hosts that show no view.
pub fn client_supports(ctx: &Context) -> bool {
    ctx.client_extension(EXTENSION_ID)
        .and_then(|s| s.get("mimeTypes"))
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t.as_str() == Some(MIME_TYPE)))
}

/// The extension as the server declares it (no settings).
pub(crate) fn extension() -> Extension {
    Extension::new(EXTENSION_ID)
}

/// `_meta.ui` of a tool, created empty when missing.
pub(crate) fn tool_meta(tool: &mut Tool) -> &mut Map<String, Value> {
    let meta = tool.meta.get_or_insert_with(Map::new);
    let ui = meta
        .entry("ui")
        .or_insert_with(|| Value::Object(Map::new()));
    if !ui.is_object() {
        *ui = Value::Object(Map::new());
    }
    ui.as_object_mut().expect("made an object above")
}

/// Checks a tool's `_meta.ui`, writes the legacy `ui/resourceUri` key next to
/// `resourceUri`, and returns the extension a client must declare to be offered the
/// tool: Apps itself for a tool its views alone may call.
pub(crate) fn check_tool(tool: &mut Tool) -> Result<Option<Arc<str>>, Error> {
    let name = tool.name.clone();
    let bad = |why: String| Error::startup(format!("tool `{name}`: _meta.ui: {why}"));
    let Some(meta) = tool.meta.as_mut() else {
        return Ok(None);
    };
    let Some(ui) = meta.get("ui") else {
        return Ok(None);
    };
    let ui = ui
        .as_object()
        .ok_or_else(|| bad("must be an object".into()))?;
    let uri = match ui.get("resourceUri") {
        None => None,
        Some(Value::String(uri)) => {
            check_ui_uri(uri).map_err(bad)?;
            Some(uri.clone())
        }
        Some(_) => return Err(bad("`resourceUri` must be a string".into())),
    };
    let app_only = match ui.get("visibility") {
        None => false,
        Some(Value::Array(values)) => {
            let strings: Option<Vec<&str>> = values.iter().map(Value::as_str).collect();
            let strings = strings.ok_or_else(|| bad("`visibility` must list strings".into()))?;
            check_visibility(strings.iter().copied()).map_err(bad)?;
            !strings.contains(&"model")
        }
        Some(_) => return Err(bad("`visibility` must be an array".into())),
    };
    if let Some(uri) = uri {
        meta.entry(LEGACY_RESOURCE_URI)
            .or_insert_with(|| Value::String(uri));
    }
    Ok(app_only.then(|| EXTENSION_ID.into()))
}

/// The view a tool links to, if any.
fn tool_view(tool: &Tool) -> Option<&str> {
    tool.meta.as_ref()?.get("ui")?.get("resourceUri")?.as_str()
}

/// A tool's view must be a resource the server serves.
pub(crate) fn check_view(entry: &ToolEntry, resources: &ResourceCatalog) -> Result<(), Error> {
    match tool_view(&entry.tool) {
        Some(uri) if !resources.resolves(uri) => {
            let at = entry
                .location
                .map_or_else(String::new, |l| format!(" (at {l})"));
            Err(Error::startup(format!(
                "tool `{}`{at} shows its result in `{uri}`, but the server serves no such resource: \
                 declare it with #[resource(\"{uri}\")] returning Html (or add a ResourceDef with .app(..))",
                entry.name
            )))
        }
        _ => Ok(()),
    }
}

/// Checks every tool's view and tells whether the server uses Apps at all (a tool with
/// a view or a visibility, or a `ui://` resource), and so declares the extension.
pub(crate) fn check_links(tools: &ToolCatalog, resources: &ResourceCatalog) -> Result<bool, Error> {
    let mut uses = resources.any_uri_with_prefix(rules::UI_SCHEME);
    for entry in tools.entries() {
        check_view(entry, resources)?;
        uses |= entry
            .tool
            .meta
            .as_ref()
            .is_some_and(|m| m.contains_key("ui"));
    }
    Ok(uses)
}

/// For a `ui://` resource with `_meta.ui`: that setting checked, as the `_meta` its
/// read contents carry. Other resources have none; `_meta.ui` outside `ui://` is an
/// error (so is a non-`ui://` resource served as an Apps view).
pub(crate) fn content_meta(resource: &Resource) -> Result<Option<Map<String, Value>>, Error> {
    let what = || format!("resource `{}`", resource.uri);
    let is_view = resource.mime_type.as_deref() == Some(MIME_TYPE);
    let ui = resource.meta.as_ref().and_then(|m| m.get("ui"));
    if !resource.uri.starts_with(rules::UI_SCHEME) {
        if is_view {
            return Err(Error::startup(format!(
                "{}: an MCP Apps view ({MIME_TYPE}) must use the `ui://` scheme",
                what()
            )));
        }
        return Ok(None);
    }
    check_ui_uri(&resource.uri).map_err(|e| Error::startup(format!("{}: {e}", what())))?;
    let Some(ui) = ui else {
        return Ok(None);
    };
    let ui = match ui {
        Value::Object(map) => map,
        Value::String(why) => return Err(Error::startup(format!("{}: {why}", what()))),
        _ => {
            return Err(Error::startup(format!(
                "{}: _meta.ui must be an object",
                what()
            )))
        }
    };
    if let Some(csp) = ui.get("csp").and_then(Value::as_object) {
        for origins in csp.values() {
            for o in origins.as_array().into_iter().flatten() {
                let o = o.as_str().unwrap_or_default();
                check_origin(o).map_err(|e| Error::startup(format!("{}: {e}", what())))?;
            }
        }
    }
    let mut meta = Map::new();
    meta.insert("ui".into(), Value::Object(ui.clone()));
    Ok(Some(meta))
}

/// Puts the view's `_meta` on read contents of its URI that carry none of their own.
pub(crate) fn apply_content_meta(
    contents: &mut [ResourceContents],
    uri: &str,
    meta: &Map<String, Value>,
) {
    for c in contents {
        let (c_uri, c_meta) = match c {
            ResourceContents::Text { uri, meta, .. } | ResourceContents::Blob { uri, meta, .. } => {
                (uri, meta)
            }
        };
        if c_uri == uri && c_meta.as_ref().is_none_or(|m| !m.contains_key("ui")) {
            c_meta.get_or_insert_with(Map::new).extend(meta.clone());
        }
    }
}
