//! Tools defined at run time, for schemas only known when the program runs.

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use super::catalog::{Handler, ToolEntry};
use crate::error::{Error, Result};
use crate::protocol::types::{Tool, ToolAnnotations};
use crate::schema;
use crate::tool::{IntoToolResult, ToolCall};

/// A tool built at run time, added with [`ServerBuilder::tool`](crate::ServerBuilder::tool).
///
/// ```
/// use mcp_runtime::{ToolCall, ToolDef};
///
/// let shout = ToolDef::new("shout", |call: ToolCall| async move {
///     #[derive(serde::Deserialize)]
///     struct Args { text: String }
///     let args: Args = call.arguments()?;
///     Ok::<_, mcp_runtime::Error>(args.text.to_uppercase())
/// })
/// .description("Upper-cases text.")
/// .input_schema(serde_json::json!({
///     "type": "object",
///     "properties": { "text": { "type": "string" } },
///     "required": ["text"]
/// }));
/// ```
pub struct ToolDef {
    tool: Tool,
    handler: super::catalog::DynToolFn,
    scopes: Vec<String>,
    gate: Option<String>,
}

impl ToolDef {
    /// A tool named `name` whose calls run `handler`. The input schema defaults to an
    /// object with no declared properties.
    pub fn new<F, Fut, R>(name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(ToolCall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoToolResult,
    {
        let handler = Arc::new(handler);
        ToolDef {
            tool: Tool {
                name: name.into(),
                title: None,
                description: None,
                input_schema: serde_json::json!({ "type": "object", "properties": {} }),
                output_schema: None,
                annotations: None,
                icons: Vec::new(),
                execution: None,
                meta: None,
            },
            handler: Arc::new(move |call| {
                let fut = handler(call);
                Box::pin(async move { fut.await.into_tool_result() })
            }),
            scopes: Vec::new(),
            gate: None,
        }
    }

    /// Lets the tool run as a task (see [`crate::tasks`]); the server must have tasks
    /// enabled (a task tool at build, or [`ServerBuilder::tasks`]).
    ///
    /// [`ServerBuilder::tasks`]: crate::ServerBuilder::tasks
    pub fn task_support(mut self, support: crate::tasks::TaskSupport) -> Self {
        self.tool.execution = support.execution();
        self
    }

    /// OAuth scopes a call needs, all of them (as `#[tool(scopes = [...])]`).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Serves the tool only to clients that declare the extension `id` (see
    /// [`crate::extension`]): others do not see it in `tools/list` and calling it is
    /// `Unknown tool`.
    pub fn only_for_extension(mut self, id: impl Into<String>) -> Self {
        self.gate = Some(id.into());
        self
    }

    /// Links the tool to its MCP Apps UI (`_meta.ui.resourceUri`), a `ui://` resource
    /// the server serves (checked at build); see [`crate::apps`].
    pub fn app(mut self, resource_uri: impl Into<String>) -> Self {
        crate::apps::tool_meta(&mut self.tool)
            .insert("resourceUri".into(), Value::String(resource_uri.into()));
        self
    }

    /// Who may call the tool (`_meta.ui.visibility`): [`Visibility::App`] alone makes it
    /// a tool only its app calls, hidden from the model (see [`crate::apps`]).
    ///
    /// [`Visibility::App`]: crate::apps::Visibility::App
    pub fn visibility(mut self, visibility: &[crate::apps::Visibility]) -> Self {
        let list = visibility
            .iter()
            .map(|v| Value::String(v.as_str().into()))
            .collect();
        crate::apps::tool_meta(&mut self.tool).insert("visibility".into(), Value::Array(list));
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.tool.description = Some(description.into());
        self
    }

    /// Sets the display title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.tool.title = Some(title.into());
        self
    }

    /// Sets the input schema (must be `type: object`).
    pub fn input_schema(mut self, schema: Value) -> Self {
        self.tool.input_schema = schema;
        self
    }

    /// Derives the input schema from a type.
    pub fn input_schema_for<T: schemars::JsonSchema>(mut self) -> Self {
        self.tool.input_schema = schema::whole::<T>(&mut schema::input_generator());
        self
    }

    /// Sets the output schema.
    pub fn output_schema(mut self, schema: Value) -> Self {
        self.tool.output_schema = Some(schema);
        self
    }

    /// Sets the behaviour hints.
    pub fn annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.tool.annotations = Some(annotations);
        self
    }

    pub(crate) fn into_entry(self) -> Result<ToolEntry> {
        schema::check_tool_name(&self.tool.name).map_err(Error::startup)?;
        if self.tool.input_schema.get("type").and_then(Value::as_str) != Some("object") {
            return Err(Error::startup(format!(
                "tool `{}`: the input schema must have `type: object`",
                self.tool.name
            )));
        }
        let scopes = crate::auth::Scopes::new(&self.scopes)
            .map_err(|e| Error::startup(format!("tool `{}`: {e}", self.tool.name)))?;
        let mut entry = ToolEntry::new(self.tool, Handler::Dynamic(self.handler), None)?;
        entry.scopes = scopes;
        if let Some(gate) = self.gate {
            crate::extension::check_id(&gate).map_err(|why| {
                Error::startup(format!(
                    "tool `{}`: extension identifier `{gate}`: {why}",
                    entry.name
                ))
            })?;
            entry.gate = Some(gate.into());
        }
        Ok(entry)
    }
}
