//! The prompt catalog: built once from the registry, `prompts/list` pages serialized
//! ahead of time.

use std::collections::HashMap;
use std::sync::Arc;

use super::pager::{self, Page};
use super::resources::{icons, meta};
use crate::auth::{AuthContext, Scopes};
use crate::dispatch::CatchUnwind;
use crate::error::{Error, Result};
use crate::prompt::{GetFn, PromptCall};
use crate::protocol::{GetPromptResult, ListPromptsResult, Prompt, PromptArgument};
use crate::registry::{ArgSpec, Location, PromptDescriptor};

/// Renders a prompt defined at run time (a mounted server's, a remote one's).
pub(crate) type DynGetFn = Arc<
    dyn Fn(PromptCall) -> crate::tool::BoxFuture<'static, Result<GetPromptResult>> + Send + Sync,
>;

#[derive(Clone)]
pub(crate) enum Getter {
    Static(GetFn),
    Dynamic(DynGetFn),
}

pub(crate) struct PromptEntry {
    pub(crate) prompt: Prompt,
    /// OAuth scopes a `prompts/get` needs.
    pub(crate) scopes: Scopes,
    pub(crate) get: Getter,
    pub(crate) arguments: Vec<ArgSpec>,
    pub(crate) location: Option<Location>,
    pub(crate) via: Option<Arc<str>>,
    /// The server whose state argument completers see (a mounted server's).
    pub(crate) home: Option<Arc<super::ServerShared>>,
    pub(crate) complete: Option<super::resources::ForwardComplete>,
}

pub(crate) struct PromptCatalog {
    entries: Vec<Arc<PromptEntry>>,
    by_name: HashMap<String, Arc<PromptEntry>>,
    pages: Vec<Page>,
    page_size: usize,
}

const PROMPTS: &str = "prompts";

impl PromptCatalog {
    /// The registry's prompts, as entries.
    pub(crate) fn registry_entries(
        descriptors: &[&'static PromptDescriptor],
    ) -> Result<Vec<Arc<PromptEntry>>> {
        let mut entries = Vec::with_capacity(descriptors.len());
        for d in descriptors {
            let what = format!("prompt `{}` (at {})", d.name, d.location);
            let arguments = (d.arguments)();
            let scopes = Scopes::declared(d.scopes, &what)?;
            let entry = Arc::new(PromptEntry {
                scopes,
                prompt: Prompt {
                    name: d.name.to_owned(),
                    title: d.title.map(str::to_owned),
                    description: d.description.map(str::to_owned),
                    arguments: arguments
                        .iter()
                        .map(|a| PromptArgument {
                            name: a.name.to_owned(),
                            title: None,
                            description: a.description.map(str::to_owned),
                            required: Some(a.required),
                        })
                        .collect(),
                    icons: icons(d.icons),
                    meta: meta(d.meta, &what)?,
                },
                get: Getter::Static(d.get),
                arguments,
                location: Some(d.location),
                via: None,
                home: None,
                complete: None,
            });
            entries.push(entry);
        }
        Ok(entries)
    }

    /// A catalog of `entries`; names must be unique.
    pub(crate) fn new(entries: Vec<Arc<PromptEntry>>, page_size: usize) -> Result<Self> {
        let mut by_name: HashMap<String, Arc<PromptEntry>> = HashMap::new();
        for e in &entries {
            if let Some(prev) = by_name.insert(e.prompt.name.clone(), e.clone()) {
                return Err(Error::startup(format!(
                    "duplicate prompt name `{}`: defined at {} and at {}",
                    e.prompt.name,
                    super::resources::describe(prev.location, prev.via.as_deref()),
                    super::resources::describe(e.location, e.via.as_deref())
                )));
            }
        }
        let listed: Vec<Prompt> = entries.iter().map(|e| e.prompt.clone()).collect();
        let pages = pager::render_all(PROMPTS, &listed, page_size, |items, next| {
            ListPromptsResult {
                prompts: items.to_vec(),
                next_cursor: next,
            }
        })?;
        Ok(PromptCatalog {
            entries,
            by_name,
            pages,
            page_size,
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn entries(&self) -> &[Arc<PromptEntry>] {
        &self.entries
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Arc<PromptEntry>> {
        self.by_name.get(name)
    }

    pub(crate) fn page(&self, cursor: Option<&str>, auth: Option<&AuthContext>) -> Result<Page> {
        let hiding = auth
            .filter(|a| a.hide_unpermitted && self.entries.iter().any(|e| !e.scopes.is_empty()));
        match hiding {
            None => {
                let i = pager::page_index(PROMPTS, cursor, self.pages.len())?;
                Ok(self.pages[i].clone())
            }
            Some(a) => pager::filtered(
                PROMPTS,
                &self.entries,
                |e| !a.hides(&e.scopes),
                |e| e.prompt.clone(),
                self.page_size,
                cursor,
                |items, next| ListPromptsResult {
                    prompts: items.to_vec(),
                    next_cursor: next,
                },
            ),
        }
    }
}

impl PromptEntry {
    pub(crate) async fn render(&self, call: PromptCall) -> Result<GetPromptResult> {
        let fut = match &self.get {
            Getter::Static(f) => f(call),
            Getter::Dynamic(f) => f(call),
        };
        match CatchUnwind(Box::pin(fut)).await {
            Ok(result) => result,
            Err(panic) => {
                tracing::error!(prompt = %self.prompt.name, %panic, "prompt panicked");
                Err(Error::internal(format!(
                    "Prompt `{}` panicked: {panic}",
                    self.prompt.name
                )))
            }
        }
    }
}
