//! Composition: servers served inside another under a namespace. A mounted server keeps
//! its own state, layers and visibility; its tools, prompts and resources appear in the
//! mounting server's lists (renamed), and its changes reach the mounting server's
//! clients.

use std::sync::{Arc, Weak};

use super::catalog::{Handler, ToolEntry};
use super::prompts::{Getter, PromptEntry};
use super::resources::{
    path_like_variables, Lister, MountedResources, Reader, ResourceEntry, TemplateEntry,
};
use super::{Server, ServerShared};
use crate::error::{Error, Result};
use crate::notify::Change;
use crate::protocol::types::Tool;
use crate::protocol::{ReadResourceResult, Resource, ResourceContents};
use crate::resource::ResourceRequest;
use crate::uri_template::UriTemplate;

/// A server served inside another: see [`ServerBuilder::mount`](super::ServerBuilder::mount)
/// (the common case) and [`ServerBuilder::mount_with`](super::ServerBuilder::mount_with).
///
/// * Tools and prompts are renamed `<namespace><separator><name>` (`billing_charge`;
///   the separator is `_` by default, and the result must still be a valid tool name:
///   letters, digits, `_`, `-`, `.`, at most 128 characters). An empty namespace keeps
///   the names.
/// * Resource URIs stay as they are, unless [`prefix_resources`](Self::prefix_resources)
///   inserts the namespace after the scheme (`file:///a` → `file://billing/a`... for
///   `scheme://rest`, `scheme://billing/rest`).
/// * A name or URI that is already taken is an error when the server is built, naming
///   both definitions.
/// * The mounted server keeps its state (`State<T>` in its handlers is its own), its
///   layers (they run inside the mounting server's) and its visibility predicate.
/// * Tools it adds or removes while serving, and every change it announces, reach the
///   mounting server's clients.
///
/// ```
/// use mcp_runtime::server::Mount;
/// use mcp_runtime::Server;
///
/// # fn demo() -> mcp_runtime::Result<()> {
/// let billing = Server::builder().without_registry().build()?;
/// let app = Server::builder()
///     .mount_with(Mount::server(billing).namespace("billing").separator("."))
///     .build()?;
/// # Ok(()) }
/// ```
pub struct Mount {
    pub(crate) source: Source,
    namespace: String,
    separator: String,
    prefix_resources: bool,
}

pub(crate) enum Source {
    Local(Server),
    #[cfg(feature = "proxy")]
    Remote(crate::proxy::Remote),
}

impl Mount {
    /// Mounts a built server (with no namespace until [`namespace`](Self::namespace)).
    pub fn server(server: Server) -> Self {
        Mount {
            source: Source::Local(server),
            namespace: String::new(),
            separator: "_".to_owned(),
            prefix_resources: false,
        }
    }

    /// Re-serves a remote MCP server (see [`proxy`](crate::proxy)).
    #[cfg(feature = "proxy")]
    #[cfg_attr(docsrs, doc(cfg(feature = "proxy")))]
    pub fn remote(remote: crate::proxy::Remote) -> Self {
        Mount {
            source: Source::Remote(remote),
            namespace: String::new(),
            separator: "_".to_owned(),
            prefix_resources: false,
        }
    }

    /// The namespace: tools and prompts are renamed `<namespace><separator><name>`.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// What goes between the namespace and a name (`_` by default).
    pub fn separator(mut self, separator: impl Into<String>) -> Self {
        self.separator = separator.into();
        self
    }

    /// Also prefixes resource URIs and templates with the namespace
    /// (`scheme://rest` → `scheme://<namespace>/rest`).
    pub fn prefix_resources(mut self, on: bool) -> Self {
        self.prefix_resources = on;
        self
    }

    pub(crate) fn namespace_str(&self) -> &str {
        &self.namespace
    }

    pub(crate) fn names(&self) -> Namespace {
        let label = if self.namespace.is_empty() {
            " (mounted)".to_owned()
        } else {
            format!(" (mounted as `{}`)", self.namespace)
        };
        Namespace {
            prefix: if self.namespace.is_empty() {
                String::new()
            } else {
                format!("{}{}", self.namespace, self.separator)
            },
            uri_segment: (self.prefix_resources && !self.namespace.is_empty())
                .then(|| format!("{}/", self.namespace)),
            label: label.into(),
        }
    }
}

/// How a mount renames what it serves.
#[derive(Clone)]
pub(crate) struct Namespace {
    prefix: String,
    uri_segment: Option<String>,
    pub(crate) label: Arc<str>,
}

impl Namespace {
    /// A tool or prompt name as the mounting server lists it.
    pub(crate) fn name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// A resource URI (or template) as the mounting server lists it; `None` when it
    /// cannot carry the prefix (no `scheme://`).
    pub(crate) fn uri(&self, uri: &str) -> Option<String> {
        let Some(segment) = &self.uri_segment else {
            return Some(uri.to_owned());
        };
        let (scheme, rest) = uri.split_once("://")?;
        Some(format!("{scheme}://{segment}{rest}"))
    }

    /// The mounted server's own URI for one the mounting server serves.
    pub(crate) fn unprefix_uri(&self, uri: &str) -> Option<String> {
        let Some(segment) = &self.uri_segment else {
            return Some(uri.to_owned());
        };
        let (scheme, rest) = uri.split_once("://")?;
        Some(format!(
            "{scheme}://{}",
            rest.strip_prefix(segment.as_str())?
        ))
    }

    fn prefixes_uris(&self) -> bool {
        self.uri_segment.is_some()
    }

    fn checked_uri(&self, uri: &str) -> Result<String> {
        self.uri(uri).ok_or_else(|| {
            Error::startup(format!(
                "cannot prefix resource URI `{uri}`{}: it has no `scheme://`",
                self.label
            ))
        })
    }
}

/// The mounted server's tools as `parent` serves them (renamed, running in the mounted
/// server's context, wrapped in `parent`'s layers).
pub(crate) fn local_tools(
    index: usize,
    ns: &Namespace,
    child: &Arc<ServerShared>,
    layers: &crate::middleware::Layers,
) -> Result<Vec<ToolEntry>> {
    let catalog = child.tools.load();
    let mut out = Vec::with_capacity(catalog.len());
    for e in catalog.entries() {
        let mut tool: Tool = e.tool.clone();
        tool.name = ns.name(&e.tool.name);
        crate::schema::check_tool_name(&tool.name)
            .map_err(|m| Error::startup(format!("{m}{}", ns.label)))?;
        let inner = e.handler.clone();
        let home = child.clone();
        let handler = Handler::Dynamic(Arc::new(move |mut call: crate::tool::ToolCall| {
            call.ctx = call.ctx.at_home(&home);
            inner.call(call)
        }));
        let mut entry = ToolEntry::new(tool, handler, e.location)?;
        // The schema is already wrapped: `new` cannot tell from it that results must be.
        entry.wraps_result = e.wraps_result;
        entry.group = e.group.clone();
        entry.scopes = e.scopes.clone();
        entry.mount = Some(index);
        entry.via = Some(via(ns, e.via.as_deref()));
        entry.visible = visibility(child, e);
        out.push(entry.layered(layers));
    }
    Ok(out)
}

/// "(mounted as `a`)" after what the entry already said about itself.
fn via(ns: &Namespace, inner: Option<&str>) -> Arc<str> {
    format!("{}{}", inner.unwrap_or_default(), ns.label).into()
}

/// The mounted server's own predicate and the entry's, together (checked against the
/// tool as the mounted server lists it).
fn visibility(child: &Arc<ServerShared>, e: &ToolEntry) -> Option<super::catalog::Visibility> {
    let server = child.visibility.clone();
    let entry = e.visible.clone();
    if server.is_none() && entry.is_none() {
        return None;
    }
    let original = e.tool.clone();
    Some(Arc::new(move |ctx: &crate::Context, _listed: &Tool| {
        server.as_ref().is_none_or(|f| f(ctx, &original))
            && entry.as_ref().is_none_or(|f| f(ctx, &original))
    }))
}

/// The mounted server's prompts as `parent` serves them.
pub(crate) fn local_prompts(ns: &Namespace, child: &Arc<ServerShared>) -> Vec<Arc<PromptEntry>> {
    let catalog = child.prompts.load();
    catalog
        .entries()
        .iter()
        .map(|e| {
            let mut prompt = e.prompt.clone();
            prompt.name = ns.name(&e.prompt.name);
            let inner = e.clone();
            let home = child.clone();
            let original: Arc<str> = e.prompt.name.as_str().into();
            Arc::new(PromptEntry {
                prompt,
                get: Getter::Dynamic(Arc::new(move |mut call| {
                    call.ctx = call.ctx.at_home(&home);
                    call.name = original.clone();
                    let inner = inner.clone();
                    Box::pin(async move { inner.render(call).await })
                })),
                arguments: e.arguments.clone(),
                location: e.location,
                via: Some(via(ns, e.via.as_deref())),
                home: Some(child.clone()),
                complete: e.complete.clone(),
                scopes: e.scopes.clone(),
            })
        })
        .collect()
}

/// The mounted server's resources and templates as `parent` serves them.
pub(crate) fn local_resources(
    ns: &Namespace,
    child: &Arc<ServerShared>,
) -> Result<MountedResources> {
    let catalog = child.resources.load_full();
    let mut out = MountedResources::default();
    for e in catalog.statics() {
        let mut resource: Resource = e.resource.clone();
        resource.uri = ns.checked_uri(&e.resource.uri)?;
        let reader = e.reader.clone();
        let (home, names) = (child.clone(), ns.clone());
        out.statics.push(Arc::new(ResourceEntry {
            resource,
            reader: Reader::Dynamic(Arc::new(move |req: ResourceRequest| {
                let names = names.clone();
                let req = into_child(req, &home, &names);
                let fut = reader.read(req);
                Box::pin(async move { fut.await.map(|r| prefix_contents(r, &names)) })
            })),
            location: e.location,
            via: Some(via(ns, e.via.as_deref())),
            subscribe: e.subscribe.clone(),
            scopes: e.scopes.clone(),
            listed: e.listed,
            content_meta: e.content_meta.clone(),
        }));
    }
    for t in catalog.templates() {
        let mut template = t.template.clone();
        template.uri_template = ns.checked_uri(&t.template.uri_template)?;
        let parsed = UriTemplate::parse(&template.uri_template).map_err(|e| {
            Error::startup(format!(
                "resource template `{}`{}: {e}",
                template.uri_template, ns.label
            ))
        })?;
        let read = t.read.clone();
        let (home, names) = (child.clone(), ns.clone());
        let list = t.list.clone().map(|list| {
            let (home, names) = (child.clone(), ns.clone());
            Lister::Dynamic(Arc::new(move |ctx: crate::Context| {
                let ctx = ctx.at_home(&home);
                let names = names.clone();
                let list = list.clone();
                Box::pin(async move {
                    let listed = list_of(&list, ctx).await?;
                    Ok(listed
                        .into_iter()
                        .filter_map(|mut r| {
                            r.uri = names.uri(&r.uri)?;
                            Some(r)
                        })
                        .collect())
                })
            }))
        });
        out.templates.push(Arc::new(TemplateEntry {
            template,
            path_like: path_like_variables(&parsed),
            parsed,
            read: Reader::Dynamic(Arc::new(move |req: ResourceRequest| {
                let names = names.clone();
                let req = into_child(req, &home, &names);
                let fut = read.read(req);
                Box::pin(async move { fut.await.map(|r| prefix_contents(r, &names)) })
            })),
            list,
            variables: t.variables.clone(),
            location: t.location,
            via: Some(via(ns, t.via.as_deref())),
            home: Some(child.clone()),
            complete: t.complete.clone(),
            subscribe: t.subscribe.clone(),
            scopes: t.scopes.clone(),
        }));
    }
    Ok(out)
}

async fn list_of(list: &Lister, ctx: crate::Context) -> Result<Vec<Resource>> {
    match list {
        Lister::Static(f) => f(ctx).await,
        Lister::Dynamic(f) => f(ctx).await,
    }
}

/// The request as the mounted server's reader expects it: its own context and URI.
fn into_child(
    mut req: ResourceRequest,
    home: &Arc<ServerShared>,
    ns: &Namespace,
) -> ResourceRequest {
    req.ctx = req.ctx.at_home(home);
    if ns.prefixes_uris() {
        if let Some(uri) = ns.unprefix_uri(&req.uri) {
            req.uri = uri.into();
        }
    }
    req
}

/// Contents URIs as the client asked for them.
pub(crate) fn prefix_contents(mut r: ReadResourceResult, ns: &Namespace) -> ReadResourceResult {
    if ns.prefixes_uris() {
        for c in &mut r.contents {
            let (ResourceContents::Text { uri, .. } | ResourceContents::Blob { uri, .. }) = c;
            if let Some(prefixed) = ns.uri(uri) {
                *uri = prefixed;
            }
        }
    }
    r
}

/// Follows a mounted server's changes: its lists are re-read and the mounting server's
/// clients are told.
pub(crate) fn follow(parent: &Arc<ServerShared>, index: usize, child: &Arc<ServerShared>) {
    let weak: Weak<ServerShared> = Arc::downgrade(parent);
    child.hub.watch(Arc::new(move |change: &Change| {
        let Some(parent) = weak.upgrade() else {
            return;
        };
        parent.remount_local(index, change);
    }));
}

impl ServerShared {
    /// A mounted server announced `change`: re-read what changed and announce it here.
    fn remount_local(self: &Arc<Self>, index: usize, change: &Change) {
        let Some(slot) = self.mounts.get(index) else {
            return;
        };
        #[allow(irrefutable_let_patterns)] // without the `proxy` feature
        let super::MountKind::Local(child) = &slot.kind
        else {
            return;
        };
        let outcome = match change {
            Change::ToolsListChanged => local_tools(index, &slot.names, child, &self.layers)
                .and_then(|tools| self.set_mounted_tools(index, tools, false)),
            Change::PromptsListChanged => {
                self.set_mounted_prompts(index, local_prompts(&slot.names, child), false)
            }
            Change::ResourcesListChanged => local_resources(&slot.names, child)
                .and_then(|r| self.resources.set_mounted(index, r, false).map(drop)),
            Change::ResourceUpdated(_) => Ok(()),
        };
        if let Err(e) = outcome {
            tracing::warn!(error = %e, mount = %slot.names.label, "a mounted server's change could not be applied");
        }
        let change = match change {
            Change::ResourceUpdated(uri) => match slot.names.uri(uri) {
                Some(uri) => Change::ResourceUpdated(uri),
                None => return,
            },
            other => other.clone(),
        };
        self.hub.announce(change, self.config.list_changed_debounce);
    }
}
