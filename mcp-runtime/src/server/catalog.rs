//! The tool catalog: built once from the registry (and rebuilt only when tools change
//! at run time), with `tools/list` pages serialized ahead of time.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::value::RawValue;
use serde_json::Value;

use super::header_params::{self, HeaderParam};
use super::pager::{self, Page};
use crate::auth::{AuthContext, Scopes};
use crate::error::Error;
use crate::extract::rejection::InvalidToolArguments;
use crate::middleware::CallService;
use crate::protocol::types::{CallToolResult, Tool};
use crate::registry::{CallFn, Location};
use crate::schema;
use crate::tasks::TaskSupport;
use crate::tool::{BoxFuture, ToolCall, ToolOutcome};

/// Decides whether a request may see and call a tool.
pub(crate) type Visibility = Arc<dyn Fn(&crate::Context, &Tool) -> bool + Send + Sync>;

/// A tool handler built at run time.
pub type DynToolFn = Arc<dyn Fn(ToolCall) -> BoxFuture<'static, ToolOutcome> + Send + Sync>;

#[derive(Clone)]
pub(crate) enum Handler {
    Static(CallFn),
    Dynamic(DynToolFn),
    /// Wrapped in middleware layers.
    Service(Box<crate::middleware::CallService>),
    /// A proxied remote's tool: a call answers the remote's result as it came (see
    /// [`Forwarded`](crate::proxy::Forwarded)).
    #[cfg(feature = "proxy")]
    Forward(Arc<crate::proxy::RemoteTool>),
}

impl Handler {
    pub(crate) fn call(&self, call: ToolCall) -> BoxFuture<'static, ToolOutcome> {
        match self {
            Handler::Static(f) => f(call),
            Handler::Dynamic(f) => f(call),
            Handler::Service(s) => CallService::clone(s).oneshot(call),
            // Layers and tasks see a typed result.
            #[cfg(feature = "proxy")]
            Handler::Forward(tool) => {
                let tool = tool.clone();
                Box::pin(async move {
                    tool.call(&call.ctx, call.args.as_deref(), call.as_task)
                        .await?
                        .into_result()
                })
            }
        }
    }
}

/// One servable tool.
pub(crate) struct ToolEntry {
    pub(crate) name: Arc<str>,
    pub(crate) tool: Tool,
    pub(crate) handler: Handler,
    pub(crate) validator: Option<jsonschema::Validator>,
    pub(crate) location: Option<Location>,
    /// `#[tool(group = "...")]`, for layers selected by group.
    pub(crate) group: Option<Arc<str>>,
    /// The mount this tool comes from (its index), if it is not this server's own.
    pub(crate) mount: Option<usize>,
    /// Where it came from, for error messages (" (mounted as `billing`)").
    pub(crate) via: Option<Arc<str>>,
    /// Who may see and call it, besides the server's own predicate (a mounted server's).
    pub(crate) visible: Option<Visibility>,
    /// From `execution.taskSupport`.
    pub(crate) task_support: TaskSupport,
    /// Parameters mirrored as `Mcp-Param-*` headers on 2026-07-28 HTTP requests.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) header_params: Box<[HeaderParam]>,
    /// The output schema is not an object, so results travel as `{"result": value}`.
    pub(crate) wraps_result: bool,
    /// OAuth scopes a call needs.
    pub(crate) scopes: Scopes,
    /// The extension a client must declare to see and call the tool (an MCP Apps tool
    /// only its app may call is served to clients that declare `io.modelcontextprotocol/ui`).
    pub(crate) gate: Option<Arc<str>>,
}

impl ToolEntry {
    /// Builds the entry: the argument validator and the header parameters come from the
    /// schema as given (its integer `format`s tell which bounds serde already enforces);
    /// what clients see is its [portable](schema::portable) form, and a non-object output
    /// schema is wrapped as `{"result": ..}`.
    pub(crate) fn new(
        mut tool: Tool,
        handler: Handler,
        location: Option<Location>,
    ) -> Result<Self, Error> {
        let validator = if needs_validation(&tool.input_schema) {
            Some(jsonschema::validator_for(&tool.input_schema).map_err(|e| {
                Error::startup(format!(
                    "tool `{}` has an invalid input schema: {e}",
                    tool.name
                ))
            })?)
        } else {
            None
        };
        let header_params = match tool.input_schema.as_object() {
            Some(schema) => header_params::collect(&tool.name, schema)?.into(),
            None => Box::default(),
        };
        let gate = crate::apps::check_tool(&mut tool)?;
        let task_support = tool
            .execution
            .as_ref()
            .and_then(|e| e.task_support)
            .unwrap_or_default();
        schema::portable(&mut tool.input_schema);
        let mut wraps_result = false;
        if let Some(output) = tool.output_schema.take() {
            let mut output = if schema::is_object_schema(&output) {
                output
            } else {
                wraps_result = true;
                schema::wrap_result(output)
            };
            schema::portable(&mut output);
            tool.output_schema = Some(output);
        }
        Ok(ToolEntry {
            wraps_result,
            task_support,
            header_params,
            scopes: Scopes::default(),
            gate,
            name: tool.name.as_str().into(),
            tool,
            handler,
            validator,
            location,
            group: None,
            mount: None,
            via: None,
            visible: None,
        })
    }

    /// An entry for a tool another server defines and answers (a proxied remote's): its
    /// definition is served exactly as listed there (no portability rewrite, results not
    /// reshaped) and the remote validates its own arguments.
    #[cfg_attr(not(feature = "proxy"), allow(dead_code))]
    pub(crate) fn verbatim(tool: Tool, handler: Handler) -> Result<Self, Error> {
        let header_params = match tool.input_schema.as_object() {
            Some(schema) => header_params::collect(&tool.name, schema)?.into(),
            None => Box::default(),
        };
        // The remote's task support is the proxy's: a task-augmented call runs as a task
        // of the proxy's around the forwarded call (see `proxy`).
        let task_support = tool
            .execution
            .as_ref()
            .and_then(|e| e.task_support)
            .unwrap_or_default();
        Ok(ToolEntry {
            wraps_result: false,
            task_support,
            header_params,
            scopes: Scopes::default(),
            // The remote lists its tools for what this proxy's client declared.
            gate: None,
            name: tool.name.as_str().into(),
            tool,
            handler,
            validator: None,
            location: None,
            group: None,
            mount: None,
            via: None,
            visible: None,
        })
    }

    /// Whether a client with these capabilities sees and may call the tool.
    pub(crate) fn offered_to(&self, client_capabilities: &Value) -> bool {
        self.gate
            .as_deref()
            .is_none_or(|id| crate::extension::client_settings(client_capabilities, id).is_some())
    }

    pub(crate) fn call(&self, call: ToolCall) -> BoxFuture<'static, ToolOutcome> {
        self.handler.call(call)
    }

    /// Wraps the handler in the layers that select this tool.
    pub(crate) fn layered(mut self, layers: &crate::middleware::Layers) -> Self {
        if !layers.is_empty() {
            self.handler = layers.wrap(&self.tool, self.group.as_ref(), self.handler);
        }
        self
    }

    /// Puts a result's structured content in the shape the output schema announces:
    /// `{"result": value}` for tools whose output is not an object, and for any non-object
    /// value (MCP allows only objects in `structuredContent`).
    pub(crate) fn shape(&self, mut result: CallToolResult) -> CallToolResult {
        if let Some(value) = result.structured_content.take() {
            result.structured_content = Some(if self.wraps_result || !value.is_object() {
                let mut wrapped = serde_json::Map::with_capacity(1);
                wrapped.insert("result".into(), value);
                Value::Object(wrapped)
            } else {
                value
            });
        }
        result
    }

    /// Checks the arguments against the schema's constraints; the error names each
    /// offending field.
    pub(crate) fn validate(&self, args: Option<&RawValue>) -> Result<(), String> {
        let Some(validator) = &self.validator else {
            return Ok(());
        };
        let value: Value = match args {
            None => Value::Object(Default::default()),
            Some(raw) => serde_json::from_str(raw.get()).map_err(|e| e.to_string())?,
        };
        let value = if value.is_null() {
            Value::Object(Default::default())
        } else {
            value
        };
        let problems: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| {
                let path = e.instance_path().to_string();
                if path.is_empty() {
                    e.to_string()
                } else {
                    format!("`{}`: {e}", path.trim_start_matches('/').replace('/', "."))
                }
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InvalidToolArguments {
                tool: self.name.to_string(),
                detail: problems.join("; "),
            }
            .to_string())
        }
    }
}

/// Keywords whose constraints typed deserialization does not already enforce. Schemas
/// without them skip the validator entirely (the common, fast case).
fn needs_validation(schema: &Value) -> bool {
    // A `match` on the key (the compiler switches on its length first), not a scan of
    // the list per key: this runs for every member of every tool's schema at start.
    fn is_assertion(key: &str) -> bool {
        matches!(
            key,
            "multipleOf"
                | "maximum"
                | "exclusiveMaximum"
                | "minimum"
                | "exclusiveMinimum"
                | "maxLength"
                | "minLength"
                | "pattern"
                | "maxItems"
                | "minItems"
                | "uniqueItems"
                | "maxContains"
                | "minContains"
                | "maxProperties"
                | "minProperties"
                | "dependentRequired"
                | "const"
                | "allOf"
                | "anyOf"
                | "oneOf"
                | "not"
                | "if"
                | "contains"
                | "propertyNames"
                | "dependentSchemas"
                | "patternProperties"
                | "unevaluatedProperties"
                | "unevaluatedItems"
        )
    }
    match schema {
        Value::Object(map) => {
            // schemars states an integer type's own range as min/max next to its `format`;
            // serde enforces those. A narrower range (`#[schemars(range(min = 1))]`) is not.
            let format = map.get("format").and_then(Value::as_str);
            map.iter().any(|(k, v)| {
                let typed_range = format.is_some_and(|f| is_type_bound(f, k, v));
                (is_assertion(k) && !typed_range)
                    || (k == "additionalProperties" && v == &Value::Bool(false))
                    || needs_validation(v)
            })
        }
        Value::Array(items) => items.iter().any(needs_validation),
        _ => false,
    }
}

/// True when `key: value` is just the natural range of the integer `format`.
fn is_type_bound(format: &str, key: &str, value: &Value) -> bool {
    let (min, max): (f64, f64) = match format {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int64" | "int" => (i64::MIN as f64, i64::MAX as f64),
        "int128" => (i128::MIN as f64, i128::MAX as f64),
        "uint8" => (0.0, u8::MAX.into()),
        "uint16" => (0.0, u16::MAX.into()),
        "uint32" => (0.0, u32::MAX.into()),
        "uint64" | "uint" => (0.0, u64::MAX as f64),
        "uint128" => (0.0, u128::MAX as f64),
        _ => return false,
    };
    let Some(v) = value.as_f64() else {
        return false;
    };
    match key {
        "minimum" => v == min,
        "maximum" => v == max,
        _ => false,
    }
}

/// All tools, in a deterministic order, with pre-serialized pages.
pub(crate) struct ToolCatalog {
    entries: Vec<Arc<ToolEntry>>,
    /// foldhash, not SipHash: the keys are the server's own names (nothing a client
    /// inserts), and a call's lookup was ≈0.26k instructions of SipHash.
    by_name: HashMap<Arc<str>, Arc<ToolEntry>, foldhash::fast::RandomState>,
    pages: Vec<Page>,
    /// Some tool decides per request who sees it (a mounted server's predicate).
    filtered: bool,
    /// The pages without gated tools, for clients that declare none of the gates.
    ungated_pages: Vec<Page>,
    /// The extensions some tool is gated on.
    gates: Vec<Arc<str>>,
    page_size: usize,
    any_scoped: bool,
    /// Some tool mirrors parameters in `Mcp-Param-*` headers (most servers: none).
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    any_header_params: bool,
}

/// The cursor kind of `tools/list` pages (see `pager`).
const TOOLS: &str = "tools";

impl ToolCatalog {
    pub(crate) fn new(entries: Vec<ToolEntry>, page_size: usize) -> Result<Self, Error> {
        Self::from_shared(entries.into_iter().map(Arc::new).collect(), page_size)
    }

    /// A catalog of entries shared with the previous one (run-time tool changes).
    pub(crate) fn from_shared(
        entries: Vec<Arc<ToolEntry>>,
        page_size: usize,
    ) -> Result<Self, Error> {
        let mut by_name = HashMap::with_capacity_and_hasher(entries.len(), Default::default());
        for e in &entries {
            if let Some(prev) = by_name.insert(e.name.clone(), e.clone()) {
                return Err(Error::startup(format!(
                    "duplicate tool name `{}`: defined at {} and at {}",
                    e.name,
                    super::resources::describe(prev.location, prev.via.as_deref()),
                    super::resources::describe(e.location, e.via.as_deref())
                )));
            }
        }
        let render = |entries: &[Arc<ToolEntry>]| {
            pager::render_all(TOOLS, entries, page_size, ToolsPage::new)
        };
        let pages = render(&entries)?;
        let mut gates: Vec<Arc<str>> = Vec::new();
        for gate in entries.iter().filter_map(|e| e.gate.as_ref()) {
            if !gates.contains(gate) {
                gates.push(gate.clone());
            }
        }
        let ungated_pages = if gates.is_empty() {
            pages.clone()
        } else {
            let ungated: Vec<Arc<ToolEntry>> = entries
                .iter()
                .filter(|e| e.gate.is_none())
                .cloned()
                .collect();
            render(&ungated)?
        };
        Ok(ToolCatalog {
            filtered: entries.iter().any(|e| e.visible.is_some()),
            any_scoped: entries.iter().any(|e| !e.scopes.is_empty()),
            any_header_params: entries.iter().any(|e| !e.header_params.is_empty()),
            entries,
            by_name,
            pages,
            ungated_pages,
            gates,
            page_size,
        })
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Arc<ToolEntry>> {
        self.by_name.get(name)
    }

    /// True when some tool has `Mcp-Param-*` header parameters to check.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn any_header_params(&self) -> bool {
        self.any_header_params
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when some tool can run as a task.
    pub(crate) fn has_task_tools(&self) -> bool {
        self.entries
            .iter()
            .any(|e| e.task_support != TaskSupport::Forbidden)
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = &Arc<ToolEntry>> {
        self.entries.iter()
    }

    /// Every scope a tool declares.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn scopes(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().flat_map(|e| e.scopes.iter())
    }

    /// The serialized page for a cursor (`None` = first page).
    pub(crate) fn page(&self, cursor: Option<&str>) -> Result<Page, Error> {
        let index = pager::page_index(TOOLS, cursor, self.pages.len())?;
        Ok(self.pages[index].clone())
    }

    /// Whether callers may see different lists: some tool is gated on an extension the
    /// client declares (or not).
    pub(crate) fn varies_by_client(&self) -> bool {
        !self.gates.is_empty()
    }

    /// The page as a caller sees it: without the tools gated on extensions its client
    /// did not declare, and without those `auth` may not call when the endpoint hides
    /// them. Shared pages serve the common cases (no gates, or all or none declared).
    pub(crate) fn page_for(
        &self,
        cursor: Option<&str>,
        auth: Option<&AuthContext>,
        client_capabilities: &Value,
    ) -> Result<Page, Error> {
        let hiding = auth.filter(|a| a.hide_unpermitted && self.any_scoped);
        let declared =
            |id: &Arc<str>| crate::extension::client_settings(client_capabilities, id).is_some();
        if hiding.is_none() {
            if self.gates.iter().all(declared) {
                return self.page(cursor);
            }
            if !self.gates.iter().any(declared) {
                let index = pager::page_index(TOOLS, cursor, self.ungated_pages.len())?;
                return Ok(self.ungated_pages[index].clone());
            }
        }
        pager::filtered(
            TOOLS,
            &self.entries,
            |e| e.offered_to(client_capabilities) && hiding.is_none_or(|a| !a.hides(&e.scopes)),
            Arc::clone,
            self.page_size,
            cursor,
            ToolsPage::new,
        )
    }

    /// True when some tool's visibility is decided per request.
    pub(crate) fn is_filtered(&self) -> bool {
        self.filtered
    }

    /// A page of the tools `visible` lets this request see (rendered for it).
    pub(crate) fn visible_page(
        &self,
        cursor: Option<&str>,
        visible: impl Fn(&ToolEntry) -> bool,
    ) -> Result<Page, Error> {
        pager::filtered(
            TOOLS,
            &self.entries,
            |e| visible(e),
            Arc::clone,
            self.page_size,
            cursor,
            ToolsPage::new,
        )
    }
}

/// A `tools/list` result page written straight from the entries (the wire shape of
/// [`ListToolsResult`](crate::protocol::types::ListToolsResult)): no tool or schema is copied to render it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ToolsPage {
    #[serde(serialize_with = "tools_of")]
    tools: Vec<Arc<ToolEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

impl ToolsPage {
    fn new(chunk: &[Arc<ToolEntry>], next_cursor: Option<String>) -> Self {
        ToolsPage {
            tools: chunk.to_vec(),
            next_cursor,
        }
    }
}

fn tools_of<S: serde::Serializer>(entries: &[Arc<ToolEntry>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(entries.iter().map(|e| &e.tool))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validation_only_when_constraints_exist() {
        assert!(!needs_validation(
            &json!({"type":"object","properties":{"a":{"type":"integer","format":"int64"}}})
        ));
        assert!(!needs_validation(
            &json!({"type":"object","properties":{"a":{"type":"integer","format":"uint8","minimum":0,"maximum":255}}})
        ));
        assert!(needs_validation(
            &json!({"type":"object","properties":{"a":{"type":"integer","minimum":1}}})
        ));
        // `#[schemars(range(min = 1))]` on a u32: narrower than the type, so validated.
        assert!(needs_validation(
            &json!({"type":"object","properties":{"a":{"type":"integer","format":"uint32","minimum":1}}})
        ));
        assert!(needs_validation(
            &json!({"type":"object","properties":{"a":{"type":"integer","format":"int64","maximum":10}}})
        ));
        assert!(needs_validation(
            &json!({"type":"object","properties":{"s":{"type":"string","pattern":"^a"}}})
        ));
        assert!(needs_validation(
            &json!({"type":"object","additionalProperties":false})
        ));
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(
            pager::page_index(TOOLS, Some(&pager::encode(TOOLS, 3)), 4).ok(),
            Some(3)
        );
        assert!(pager::page_index(TOOLS, Some("not-a-cursor"), 4).is_err());
    }
}
