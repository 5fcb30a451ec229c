//! Schema generation in one place: JSON Schema 2020-12, no `$schema` key (2020-12 is the
//! MCP default dialect), `$defs` for shared definitions.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value};

use crate::tool::probe::ParamSchema;

/// A generator for input schemas (what clients send).
pub fn input_generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| s.meta_schema = None)
        .for_deserialize()
        .into_generator()
}

/// A generator for output schemas (what tools return).
pub fn output_generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| s.meta_schema = None)
        .for_serialize()
        .into_generator()
}

/// Assembles a tool's `inputSchema` from its parameters (used by generated code).
#[derive(Default)]
pub struct ObjectSchema {
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl ObjectSchema {
    /// An empty `{"type":"object"}` schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a parameter; extractors (`schema == None`) are skipped.
    pub fn param(
        &mut self,
        name: &str,
        schema: Option<ParamSchema>,
        description: Option<&str>,
        default: Option<Value>,
        header: Option<&str>,
    ) {
        let Some(ParamSchema { schema, required }) = schema else {
            return;
        };
        let mut schema = schema.to_value();
        if let Value::Object(map) = &mut schema {
            if let Some(d) = description {
                map.insert("description".into(), d.into());
            }
            if let Some(h) = header {
                map.insert("x-mcp-header".into(), h.into());
            }
            if let Some(v) = &default {
                map.insert("default".into(), v.clone());
            }
        }
        if required && default.is_none() {
            self.required.push(name.into());
        }
        self.properties.insert(name.into(), schema);
    }

    /// The finished schema, with any `$defs` the generator collected.
    pub fn finish(self, gen: &mut SchemaGenerator) -> Value {
        let mut root = Map::new();
        root.insert("type".into(), "object".into());
        root.insert("properties".into(), Value::Object(self.properties));
        if !self.required.is_empty() {
            root.insert("required".into(), Value::Array(self.required));
        }
        let defs = gen.take_definitions(true);
        if !defs.is_empty() {
            root.insert("$defs".into(), Value::Object(defs));
        }
        Value::Object(root)
    }
}

/// The schema of a whole-arguments struct (`#[arg(flatten)]`).
pub fn whole<T: schemars::JsonSchema>(gen: &mut SchemaGenerator) -> Value {
    let mut schema = gen.root_schema_for::<T>().to_value();
    if let Value::Object(map) = &mut schema {
        map.remove("title");
    }
    schema
}

/// Checks a tool name against the spec: 1–128 characters of `[A-Za-z0-9_.-]` (the rule
/// `#[tool]` applies at compile time).
pub fn check_tool_name(name: &str) -> Result<(), String> {
    crate::names::check_tool_name(name)
}

