//! The resource catalog: static resources and templates from the registry plus
//! resources added at run time, with list pages serialized ahead of time and rebuilt
//! only when something changes.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use super::pager::{self, Page};
use crate::auth::{AuthContext, Scopes};
use crate::dispatch::CatchUnwind;
use crate::error::{Error, Result};
use crate::extract::Context;
use crate::protocol::types::{Annotations, Icon, Role};
use crate::protocol::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceTemplate,
};
use crate::registry::{ArgSpec, IconDef, Location, ResourceDescriptor};
use crate::resource::{IntoResourceContents, ListFn, ReadFn, ReadOutcome, ResourceRequest};
use crate::tool::BoxFuture;
use crate::uri_template::{Operator, Part, UriTemplate};

type DynReadFn = Arc<dyn Fn(ResourceRequest) -> BoxFuture<'static, ReadOutcome> + Send + Sync>;

#[derive(Clone)]
enum Reader {
    Static(ReadFn),
    Dynamic(DynReadFn),
}

impl Reader {
    fn read(&self, req: ResourceRequest) -> BoxFuture<'static, ReadOutcome> {
        match self {
            Reader::Static(f) => f(req),
            Reader::Dynamic(f) => f(req),
        }
    }
}

/// A concrete resource.
pub(crate) struct ResourceEntry {
    pub(crate) resource: Resource,
    reader: Reader,
    location: Option<Location>,
    /// OAuth scopes a read needs.
    scopes: Scopes,
    /// Listed in `resources/list` (skill files other than `SKILL.md` are not).
    listed: bool,
    /// `_meta` every content item of a read carries unless the reader set its own
    /// (an MCP Apps resource's `ui` settings).
    content_meta: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A resource template.
pub(crate) struct TemplateEntry {
    pub(crate) template: ResourceTemplate,
    parsed: UriTemplate,
    read: ReadFn,
    list: Option<ListFn>,
    pub(crate) variables: Vec<ArgSpec>,
    /// Variables that may hold `/` and are screened against traversal.
    path_like: Vec<String>,
    location: Location,
    /// OAuth scopes a read of any matching URI needs.
    pub(crate) scopes: Scopes,
}

/// A resource built at run time, added with [`ServerBuilder::resource`](super::ServerBuilder::resource)
/// or [`Resources::add`](super::Resources::add).
pub struct ResourceDef {
    pub(crate) resource: Resource,
    reader: DynReadFn,
    scopes: Vec<String>,
    listed: bool,
}

impl ResourceDef {
    /// A resource whose contents come from `read`, called on every `resources/read`.
    pub fn new<F, Fut, R>(uri: impl Into<String>, name: impl Into<String>, read: F) -> Self
    where
        F: Fn(ResourceRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoResourceContents,
    {
        let read = Arc::new(read);
        ResourceDef {
            resource: Resource::new(uri, name),
            reader: Arc::new(move |req: ResourceRequest| {
                let fut = read(req.clone_parts());
                Box::pin(async move { req.__finish(fut.await) })
            }),
            scopes: Vec::new(),
            listed: true,
        }
    }

    /// OAuth scopes a read needs, all of them (as `#[resource(.., scopes = [...])]`).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// A resource with fixed text contents.
    pub fn text(uri: impl Into<String>, name: impl Into<String>, text: impl Into<String>) -> Self {
        let text: Arc<str> = text.into().into();
        Self::new(uri, name, move |_| std::future::ready(text.to_string()))
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.resource.title = Some(title.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.resource.description = Some(description.into());
        self
    }

    /// Sets the MIME type (also used for the contents unless the reader sets one).
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.resource.mime_type = Some(mime_type.into());
        self
    }

    /// Sets the size in bytes.
    pub fn size(mut self, size: u64) -> Self {
        self.resource.size = Some(size);
        self
    }

    /// Sets `_meta` (e.g. `{"ui": {..}}` of an MCP Apps resource; see
    /// [`apps::UiResource`](crate::apps::UiResource) for a typed builder).
    pub fn meta(mut self, meta: serde_json::Map<String, serde_json::Value>) -> Self {
        self.resource.meta = Some(meta);
        self
    }

    /// Leaves the resource out of `resources/list`: it is still read by its URI (the
    /// supporting files of a skill, a UI only its tool points at).
    pub fn unlisted(mut self) -> Self {
        self.listed = false;
        self
    }

    /// The entry of a resource that cannot be replaced or removed while serving (an
    /// extension's, e.g. a skill file).
    pub(crate) fn into_fixed(self) -> Result<Arc<ResourceEntry>> {
        self.into_entry().map(Arc::new)
    }

    fn into_entry(self) -> Result<ResourceEntry> {
        let parsed = UriTemplate::parse(&self.resource.uri)
            .ok()
            .filter(UriTemplate::is_literal);
        if parsed.is_none() || crate::uri_template::parse::check_scheme(&self.resource.uri).is_err()
        {
            return Err(Error::startup(format!(
                "resource URI `{}` must be a concrete URI with a scheme (templates are declared with #[resource])",
                self.resource.uri
            )));
        }
        let scopes = Scopes::new(&self.scopes)
            .map_err(|e| Error::startup(format!("resource `{}`: {e}", self.resource.uri)))?;
        let content_meta = crate::apps::content_meta(&self.resource)?;
        Ok(ResourceEntry {
            resource: self.resource,
            reader: Reader::Dynamic(self.reader),
            location: None,
            scopes,
            listed: self.listed,
            content_meta,
        })
    }
}

impl ResourceRequest {
    fn clone_parts(&self) -> ResourceRequest {
        ResourceRequest {
            ctx: self.ctx.clone(),
            uri: self.uri.clone(),
            vars: self.vars.clone(),
            mime_type: self.mime_type.clone(),
        }
    }
}

pub(crate) fn icons(defs: &[IconDef]) -> Vec<Icon> {
    defs.iter()
        .map(|i| Icon {
            src: i.src.to_owned(),
            mime_type: i.mime_type.map(str::to_owned),
            sizes: i.sizes.iter().map(|s| (*s).to_owned()).collect(),
            theme: i.theme.map(str::to_owned),
        })
        .collect()
}

pub(crate) fn meta(
    text: Option<&str>,
    what: &str,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>> {
    match text.map(serde_json::from_str) {
        None => Ok(None),
        Some(Ok(serde_json::Value::Object(map))) => Ok(Some(map)),
        Some(_) => Err(Error::startup(format!(
            "{what}: meta must be a JSON object"
        ))),
    }
}

fn annotations(d: &ResourceDescriptor) -> Option<Annotations> {
    let a = &d.annotations;
    let audience: Vec<Role> = a
        .audience
        .iter()
        .map(|r| {
            if *r == "user" {
                Role::User
            } else {
                Role::Assistant
            }
        })
        .collect();
    (!audience.is_empty() || a.priority.is_some() || a.last_modified.is_some()).then(|| {
        Annotations {
            audience,
            priority: a.priority,
            last_modified: a.last_modified.map(str::to_owned),
        }
    })
}

/// Concrete resources and templates built from registered descriptors.
pub(crate) type RegistryEntries = (Vec<Arc<ResourceEntry>>, Vec<Arc<TemplateEntry>>);

/// Entries built from registered descriptors: concrete resources and templates.
pub(crate) fn from_registry(
    descriptors: &[&'static ResourceDescriptor],
) -> Result<RegistryEntries> {
    let mut statics = Vec::new();
    let mut templates = Vec::new();
    for d in descriptors {
        let what = format!("resource `{}` (at {})", d.name, d.location);
        let parsed = UriTemplate::parse(d.uri)
            .map_err(|e| Error::startup(format!("{what}: invalid URI template: {e}")))?;
        let meta = meta(d.meta, &what)?;
        let title = d.title.map(str::to_owned);
        let description = d.description.map(str::to_owned);
        let mime_type = d.mime_type.map(str::to_owned);
        let scopes = Scopes::declared(d.scopes, &what)?;
        if parsed.is_literal() {
            let resource = Resource {
                uri: d.uri.to_owned(),
                name: d.name.to_owned(),
                title,
                description,
                mime_type,
                size: d.size,
                annotations: annotations(d),
                icons: icons(d.icons),
                meta,
            };
            let content_meta = crate::apps::content_meta(&resource)
                .map_err(|e| Error::startup(format!("{what}: {}", e.message())))?;
            statics.push(Arc::new(ResourceEntry {
                resource,
                reader: Reader::Static(d.read),
                location: Some(d.location),
                scopes,
                listed: true,
                content_meta,
            }));
        } else {
            let path_like = parsed
                .parts()
                .iter()
                .filter_map(|p| match p {
                    Part::Expr { op, vars } => Some((op, vars)),
                    Part::Literal(_) => None,
                })
                .flat_map(|(op, vars)| {
                    vars.iter()
                        .filter(move |v| {
                            op.allows_reserved() || (*op == Operator::Path && v.explode)
                        })
                        .map(|v| v.name.clone())
                })
                .collect();
            templates.push(Arc::new(TemplateEntry {
                template: ResourceTemplate {
                    uri_template: d.uri.to_owned(),
                    name: d.name.to_owned(),
                    title,
                    description,
                    mime_type,
                    annotations: annotations(d),
                    icons: icons(d.icons),
                    meta,
                },
                parsed,
                read: d.read,
                list: d.list,
                variables: (d.variables)(),
                path_like,
                location: d.location,
                scopes,
            }));
        }
    }
    Ok((statics, templates))
}

/// One immutable snapshot of every resource.
pub(crate) struct ResourceCatalog {
    statics: Vec<Arc<ResourceEntry>>,
    by_uri: HashMap<String, Arc<ResourceEntry>>,
    templates: Vec<Arc<TemplateEntry>>,
    match_order: Vec<Arc<TemplateEntry>>,
    resource_pages: Vec<Page>,
    template_pages: Vec<Page>,
    dynamic_listing: bool,
    page_size: usize,
    /// Some resource or template declares scopes (reads then look them up).
    any_scoped: bool,
}

const RESOURCES: &str = "resources";
const TEMPLATES: &str = "templates";

fn resources_page(items: &[Resource], next: Option<String>) -> ListResourcesResult {
    ListResourcesResult {
        resources: items.to_vec(),
        next_cursor: next,
    }
}

impl ResourceCatalog {
    fn new(
        statics: Vec<Arc<ResourceEntry>>,
        templates: Vec<Arc<TemplateEntry>>,
        page_size: usize,
    ) -> Result<Self> {
        let mut by_uri = HashMap::with_capacity(statics.len());
        for e in &statics {
            if let Some(prev) = by_uri.insert(e.resource.uri.clone(), e.clone()) {
                return Err(Error::startup(format!(
                    "duplicate resource URI `{}`: defined at {} and at {}",
                    e.resource.uri,
                    describe(prev.location),
                    describe(e.location)
                )));
            }
        }
        let mut seen = HashMap::new();
        for t in &templates {
            if let Some(prev) = seen.insert(t.template.uri_template.as_str(), t.location) {
                return Err(Error::startup(format!(
                    "duplicate resource template `{}`: defined at {prev} and at {}",
                    t.template.uri_template, t.location
                )));
            }
        }
        let mut match_order = templates.clone();
        // Stable: equally specific templates keep source order.
        match_order.sort_by_key(|t| t.parsed.specificity());
        let listed: Vec<Resource> = statics
            .iter()
            .filter(|e| e.listed)
            .map(|e| e.resource.clone())
            .collect();
        let resource_pages = pager::render_all(RESOURCES, &listed, page_size, resources_page)?;
        let listed_templates: Vec<ResourceTemplate> =
            templates.iter().map(|t| t.template.clone()).collect();
        let template_pages =
            pager::render_all(TEMPLATES, &listed_templates, page_size, |items, next| {
                ListResourceTemplatesResult {
                    resource_templates: items.to_vec(),
                    next_cursor: next,
                }
            })?;
        Ok(ResourceCatalog {
            dynamic_listing: templates.iter().any(|t| t.list.is_some()),
            any_scoped: statics.iter().any(|e| !e.scopes.is_empty())
                || templates.iter().any(|t| !t.scopes.is_empty()),
            statics,
            by_uri,
            templates,
            match_order,
            resource_pages,
            template_pages,
            page_size,
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.statics.is_empty() && self.templates.is_empty()
    }

    pub(crate) fn templates(&self) -> &[Arc<TemplateEntry>] {
        &self.templates
    }

    /// A `resources/list` page. With list functions the list is assembled per request
    /// (static resources first, then each template's in source order).
    pub(crate) async fn list(&self, cursor: Option<&str>, ctx: &Context) -> Result<Page> {
        let hiding = self.hiding(ctx.scope.auth.as_ref());
        if !self.dynamic_listing && hiding.is_none() {
            let i = pager::page_index(RESOURCES, cursor, self.resource_pages.len())?;
            return Ok(self.resource_pages[i].clone());
        }
        let hidden = |scopes: &Scopes| hiding.is_some_and(|a| a.hides(scopes));
        let mut all: Vec<Resource> = self
            .statics
            .iter()
            .filter(|e| e.listed && !hidden(&e.scopes))
            .map(|e| e.resource.clone())
            .collect();
        for t in self.templates.iter().filter(|t| !hidden(&t.scopes)) {
            if let Some(list) = t.list {
                let listed =
                    CatchUnwind(Box::pin(list(ctx.clone())))
                        .await
                        .map_err(|panic| {
                            Error::internal(format!("list function panicked: {panic}"))
                        })??;
                all.extend(listed.into_iter().map(|mut r| {
                    if r.mime_type.is_none() {
                        r.mime_type = t.template.mime_type.clone();
                    }
                    r
                }));
            }
        }
        let pages = pager::page_count(all.len(), self.page_size);
        let i = pager::page_index(RESOURCES, cursor, pages)?;
        pager::render(RESOURCES, &all, self.page_size, i, resources_page).map(Page::from)
    }

    pub(crate) fn templates_page(
        &self,
        cursor: Option<&str>,
        auth: Option<&AuthContext>,
    ) -> Result<Page> {
        match self.hiding(auth) {
            None => {
                let i = pager::page_index(TEMPLATES, cursor, self.template_pages.len())?;
                Ok(self.template_pages[i].clone())
            }
            Some(a) => pager::filtered(
                TEMPLATES,
                &self.templates,
                |t| !a.hides(&t.scopes),
                |t| t.template.clone(),
                self.page_size,
                cursor,
                |items, next| ListResourceTemplatesResult {
                    resource_templates: items.to_vec(),
                    next_cursor: next,
                },
            ),
        }
    }

    /// The caller's authorization when lists must leave out what it may not read.
    fn hiding<'a>(&self, auth: Option<&'a AuthContext>) -> Option<&'a AuthContext> {
        auth.filter(|a| a.hide_unpermitted && self.any_scoped)
    }

    /// The scopes reading `uri` needs: those of the entry a read would use.
    #[cfg_attr(not(feature = "auth"), allow(dead_code))]
    pub(crate) fn scopes_for(&self, uri: &str) -> Scopes {
        if !self.any_scoped {
            return Scopes::default();
        }
        if let Some(e) = self.by_uri.get(uri) {
            return e.scopes.clone();
        }
        self.match_order
            .iter()
            .find(|t| t.parsed.match_uri(uri).is_some())
            .map(|t| t.scopes.clone())
            .unwrap_or_default()
    }

    /// Every scope a resource or template declares.
    #[cfg_attr(not(feature = "auth"), allow(dead_code))]
    pub(crate) fn scopes(&self) -> impl Iterator<Item = &str> {
        self.statics
            .iter()
            .flat_map(|e| e.scopes.iter())
            .chain(self.templates.iter().flat_map(|t| t.scopes.iter()))
    }

    /// Whether some concrete resource or template starts with `prefix` (`ui://`).
    pub(crate) fn any_uri_with_prefix(&self, prefix: &str) -> bool {
        self.statics
            .iter()
            .any(|e| e.resource.uri.starts_with(prefix))
            || self
                .templates
                .iter()
                .any(|t| t.template.uri_template.starts_with(prefix))
    }

    /// Whether `uri` names a resource (concrete, or matched by a template).
    pub(crate) fn resolves(&self, uri: &str) -> bool {
        self.by_uri.contains_key(uri)
            || self
                .match_order
                .iter()
                .any(|t| t.parsed.match_uri(uri).is_some())
    }

    /// Reads `uri`: a concrete resource first, then the most specific matching template.
    pub(crate) async fn read(&self, uri: &str, ctx: Context) -> Result<ReadResourceResult> {
        let mut content_meta = None;
        let (fut, what) = if let Some(e) = self.by_uri.get(uri) {
            content_meta = e.content_meta.clone();
            let req = ResourceRequest {
                ctx,
                uri: uri.into(),
                vars: Vec::new(),
                mime_type: e.resource.mime_type.as_deref().map(Into::into),
            };
            (e.reader.read(req), e.resource.name.clone())
        } else {
            let (t, vars) = self
                .match_order
                .iter()
                .find_map(|t| t.parsed.match_uri(uri).map(|v| (t, v)))
                .ok_or_else(|| Error::resource_not_found(uri))?;
            for (name, value) in &vars {
                if t.path_like.contains(name) {
                    crate::resource::screen(value).map_err(|e| {
                        Error::invalid_params(format!(
                            "Invalid URI variable `{name}` in {uri}: {e}"
                        ))
                        .with_data(serde_json::json!({ "uri": uri }))
                    })?;
                }
            }
            let req = ResourceRequest {
                ctx,
                uri: uri.into(),
                vars,
                mime_type: t.template.mime_type.as_deref().map(Into::into),
            };
            (Reader::Static(t.read).read(req), t.template.name.clone())
        };
        match CatchUnwind(Box::pin(fut)).await {
            Ok(Ok(mut result)) => {
                if let Some(meta) = content_meta {
                    crate::apps::apply_content_meta(&mut result.contents, uri, &meta);
                }
                Ok(result)
            }
            Ok(Err(e)) => Err(e),
            Err(panic) => {
                tracing::error!(resource = %what, %panic, "resource handler panicked");
                Err(Error::internal(format!(
                    "Resource `{what}` panicked: {panic}"
                )))
            }
        }
    }

    /// The template whose `uriTemplate` is exactly `template` (a completion ref).
    pub(crate) fn template(&self, template: &str) -> Option<&Arc<TemplateEntry>> {
        self.templates
            .iter()
            .find(|t| t.template.uri_template == template)
    }

    pub(crate) fn has_static(&self, uri: &str) -> bool {
        self.by_uri.contains_key(uri)
    }
}

fn describe(location: Option<Location>) -> String {
    location.map_or_else(|| "run time".to_owned(), |l| l.to_string())
}

struct Sources {
    registered: Vec<Arc<ResourceEntry>>,
    runtime: Vec<Arc<ResourceEntry>>,
    templates: Vec<Arc<TemplateEntry>>,
}

/// The live catalog and what it is rebuilt from.
pub(crate) struct ResourceStore {
    catalog: ArcSwap<ResourceCatalog>,
    sources: Mutex<Sources>,
    page_size: usize,
}

impl ResourceStore {
    pub(crate) fn new(
        registered: Vec<Arc<ResourceEntry>>,
        templates: Vec<Arc<TemplateEntry>>,
        runtime: Vec<ResourceDef>,
        page_size: usize,
    ) -> Result<Self> {
        let runtime = runtime
            .into_iter()
            .map(|d| d.into_entry().map(Arc::new))
            .collect::<Result<Vec<_>>>()?;
        let sources = Sources {
            registered,
            runtime,
            templates,
        };
        let catalog = Self::build(&sources, page_size)?;
        Ok(ResourceStore {
            catalog: ArcSwap::from_pointee(catalog),
            sources: Mutex::new(sources),
            page_size,
        })
    }

    fn build(s: &Sources, page_size: usize) -> Result<ResourceCatalog> {
        let statics = s.registered.iter().chain(&s.runtime).cloned().collect();
        ResourceCatalog::new(statics, s.templates.clone(), page_size)
    }

    pub(crate) fn load(&self) -> arc_swap::Guard<Arc<ResourceCatalog>> {
        self.catalog.load()
    }

    pub(crate) fn load_full(&self) -> Arc<ResourceCatalog> {
        self.catalog.load_full()
    }

    fn change(&self, f: impl FnOnce(&mut Sources) -> Result<bool>) -> Result<bool> {
        let mut s = self.sources.lock().expect("resource sources lock");
        if !f(&mut s)? {
            return Ok(false);
        }
        let catalog = Self::build(&s, self.page_size)?;
        self.catalog.store(Arc::new(catalog));
        Ok(true)
    }

    pub(crate) fn add(&self, def: ResourceDef) -> Result<()> {
        let entry = Arc::new(def.into_entry()?);
        self.change(|s| {
            if let Some(e) = s
                .registered
                .iter()
                .find(|e| e.resource.uri == entry.resource.uri)
            {
                return Err(Error::invalid_params(format!(
                    "resource `{}` is already registered at {}",
                    entry.resource.uri,
                    describe(e.location)
                )));
            }
            s.runtime.retain(|e| e.resource.uri != entry.resource.uri);
            s.runtime.push(entry);
            Ok(true)
        })
        .map(drop)
    }

    pub(crate) fn remove(&self, uri: &str) -> bool {
        self.change(|s| {
            let before = s.runtime.len();
            s.runtime.retain(|e| e.resource.uri != uri);
            Ok(s.runtime.len() != before)
        })
        .unwrap_or(false)
    }
}
