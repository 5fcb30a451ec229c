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

pub(crate) struct PromptEntry {
    pub(crate) prompt: Prompt,
    /// OAuth scopes a `prompts/get` needs.
    pub(crate) scopes: Scopes,
    get: GetFn,
    pub(crate) arguments: Vec<ArgSpec>,
    location: Location,
}

pub(crate) struct PromptCatalog {
    entries: Vec<Arc<PromptEntry>>,
    by_name: HashMap<String, Arc<PromptEntry>>,
    pages: Vec<Page>,
    page_size: usize,
}

const PROMPTS: &str = "prompts";

impl PromptCatalog {
    pub(crate) fn from_registry(
        descriptors: &[&'static PromptDescriptor],
        page_size: usize,
    ) -> Result<Self> {
        let mut entries = Vec::with_capacity(descriptors.len());
        let mut by_name: HashMap<String, Arc<PromptEntry>> = HashMap::new();
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
                get: d.get,
                arguments,
                location: d.location,
            });
            if let Some(prev) = by_name.insert(d.name.to_owned(), entry.clone()) {
                return Err(Error::startup(format!(
                    "duplicate prompt name `{}`: defined at {} and at {}",
                    d.name, prev.location, d.location
                )));
            }
            entries.push(entry);
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
        match CatchUnwind(Box::pin((self.get)(call))).await {
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
