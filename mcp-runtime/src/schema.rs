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

/// The schema of a whole-arguments struct (`#[arg(flatten)]`). Like a separate optional
/// parameter, an `Option` field is an argument that may be left out, not one that may be
/// null: its schema loses the `null` schemars adds.
pub fn whole<T: schemars::JsonSchema>(gen: &mut SchemaGenerator) -> Value {
    let mut schema = gen.root_schema_for::<T>().to_value();
    if let Value::Object(map) = &mut schema {
        map.remove("title");
        let required: Vec<String> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(Value::Object(props)) = map.get_mut("properties") {
            for (name, prop) in props.iter_mut() {
                if !required.contains(name) {
                    strip_null(prop);
                }
            }
        }
    }
    schema
}

/// `T`'s schema from `Option<T>`'s: `type: [T, "null"]` → `type: T`, and
/// `anyOf: [X, {"type": "null"}]` → `X` (keeping the annotations around it).
fn strip_null(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if map.get("default").is_some_and(Value::is_null) {
        map.remove("default");
    }
    if let Some(Value::Array(types)) = map.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            map.insert("type".into(), only);
        }
        if let Some(Value::Array(values)) = map.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
        return;
    }
    let Some(Value::Array(branches)) = map.get("anyOf") else {
        return;
    };
    let is_null = |b: &Value| {
        b.get("type").and_then(Value::as_str) == Some("null")
            && b.as_object().is_some_and(|o| o.len() == 1)
    };
    if branches.len() != 2 || !branches.iter().any(is_null) {
        return;
    }
    let Some(Value::Array(branches)) = map.remove("anyOf") else {
        unreachable!()
    };
    let Some(Value::Object(kept)) = branches.into_iter().find(|b| !is_null(b)) else {
        return;
    };
    for (k, v) in kept {
        map.entry(k).or_insert(v);
    }
}

/// Checks a tool name against the spec: 1–128 characters of `[A-Za-z0-9_.-]` (the rule
/// `#[tool]` applies at compile time).
pub fn check_tool_name(name: &str) -> Result<(), String> {
    crate::names::check_tool_name(name)
}

/// `format` values defined by JSON Schema 2020-12 (validation vocabulary, §7.3). Others
/// (schemars' `int32`, `uint64`, `double`, ..) are ignored by validators at best and
/// rejected by some clients and model providers at worst.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// Keywords whose value is one subschema, a map of subschemas, or a list of them.
const ONE_SCHEMA: &[&str] = &[
    "items",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "additionalProperties",
    "unevaluatedProperties",
    "additionalItems",
    "unevaluatedItems",
];
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];

/// Keywords where a bare `true`/`false` is the usual spelling and clients accept it.
const BOOLEAN_VALUED: &[&str] = &[
    "additionalProperties",
    "unevaluatedProperties",
    "additionalItems",
    "unevaluatedItems",
];

/// Rewrites a schema into the spelling every MCP client accepts, without changing which
/// values it accepts (what the MCP Inspector's schema-portability check asks for):
/// * a `type` array (`["integer", "null"]`) becomes `anyOf` of single types, with the
///   keywords that only constrain that type moved into its branch;
/// * a `format` outside JSON Schema's own list is removed; the integer widths schemars
///   names that way (`int32`, `uint8`, ..) become `minimum`/`maximum` (formats are
///   annotations, so nothing is lost);
/// * a bare `true`/`false` where a schema object is expected becomes `{}` /
///   `{"not": {}}` (kept where booleans are conventional, e.g. `additionalProperties`).
///
/// Applied to every tool's `inputSchema` and `outputSchema` when the server is built.
pub fn portable(schema: &mut Value) {
    if let Value::Object(map) = schema {
        portable_node(map);
    }
}

fn portable_subschema(schema: &mut Value) {
    match schema {
        Value::Bool(true) => *schema = Value::Object(Map::new()),
        Value::Bool(false) => {
            let mut not = Map::new();
            not.insert("not".into(), Value::Object(Map::new()));
            *schema = Value::Object(not);
        }
        Value::Object(map) => portable_node(map),
        _ => {}
    }
}

fn portable_node(map: &mut Map<String, Value>) {
    for (key, value) in map.iter_mut() {
        let key = key.as_str();
        if ONE_SCHEMA.contains(&key) {
            if BOOLEAN_VALUED.contains(&key) && value.is_boolean() {
                continue;
            }
            match value {
                // `items` as a list (draft 2019-09 tuples).
                Value::Array(list) => list.iter_mut().for_each(portable_subschema),
                _ => portable_subschema(value),
            }
        } else if SCHEMA_MAPS.contains(&key) {
            if let Value::Object(m) = value {
                m.values_mut().for_each(portable_subschema);
            }
        } else if SCHEMA_LISTS.contains(&key) {
            if let Value::Array(list) = value {
                list.iter_mut().for_each(portable_subschema);
            }
        }
    }
    portable_format(map);
    portable_type(map);
}

fn portable_format(map: &mut Map<String, Value>) {
    let Some(format) = map.get("format").and_then(Value::as_str) else {
        return;
    };
    if STANDARD_FORMATS.contains(&format) {
        return;
    }
    let bounds: Option<(i64, i64)> = match format {
        "int8" => Some((i8::MIN.into(), i8::MAX.into())),
        "int16" => Some((i16::MIN.into(), i16::MAX.into())),
        "int32" => Some((i32::MIN.into(), i32::MAX.into())),
        "uint8" => Some((0, u8::MAX.into())),
        "uint16" => Some((0, u16::MAX.into())),
        "uint32" => Some((0, u32::MAX.into())),
        _ => None,
    };
    let unsigned = format.starts_with("uint");
    map.remove("format");
    if let Some((min, max)) = bounds {
        map.entry("minimum").or_insert(min.into());
        map.entry("maximum").or_insert(max.into());
    } else if unsigned {
        map.entry("minimum").or_insert(0.into());
    }
}

/// Keywords that constrain only instances of one JSON type.
fn applies_only_to(key: &str) -> Option<&'static [&'static str]> {
    const NUMBER: &[&str] = &["number", "integer"];
    Some(match key {
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" | "multipleOf" => NUMBER,
        "minLength" | "maxLength" | "pattern" | "format" | "contentEncoding"
        | "contentMediaType" | "contentSchema" => &["string"],
        "items" | "prefixItems" | "minItems" | "maxItems" | "uniqueItems" | "contains"
        | "minContains" | "maxContains" | "unevaluatedItems" => &["array"],
        "properties"
        | "required"
        | "additionalProperties"
        | "patternProperties"
        | "propertyNames"
        | "minProperties"
        | "maxProperties"
        | "dependentRequired"
        | "dependentSchemas"
        | "unevaluatedProperties" => &["object"],
        _ => return None,
    })
}

fn portable_type(map: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = map.get("type") else {
        return;
    };
    let types: Vec<String> = types
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    map.remove("type");
    if let [only] = types.as_slice() {
        map.insert("type".into(), only.as_str().into());
        return;
    }
    // One branch per type, each taking the keywords that constrain only that type; an
    // `enum` moves into the branch of its values' type when the other branch is `null`.
    let mut branches: Vec<Map<String, Value>> = types
        .iter()
        .map(|t| {
            let mut b = Map::new();
            b.insert("type".into(), t.as_str().into());
            b
        })
        .collect();
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        let Some(owners) = applies_only_to(&key) else {
            continue;
        };
        let targets: Vec<usize> = (0..types.len())
            .filter(|&i| owners.contains(&types[i].as_str()))
            .collect();
        if targets.is_empty() {
            continue;
        }
        let value = map.remove(&key).expect("listed key");
        for i in targets {
            branches[i].insert(key.clone(), value.clone());
        }
    }
    let non_null: Vec<usize> = (0..types.len()).filter(|&i| types[i] != "null").collect();
    if let ([i], true) = (non_null.as_slice(), types.len() == 2) {
        if let Some(Value::Array(values)) = map.remove("enum") {
            let (nulls, rest): (Vec<Value>, Vec<Value>) =
                values.into_iter().partition(Value::is_null);
            branches[*i].insert("enum".into(), Value::Array(rest));
            if nulls.is_empty() {
                // `null` was never allowed after all.
                let only = branches.swap_remove(*i);
                map.extend(only);
                return;
            }
        }
    }
    map.insert(
        "anyOf".into(),
        Value::Array(branches.into_iter().map(Value::Object).collect()),
    );
}

/// The `outputSchema` for a value whose own schema is not an object: `{"result": ..}`.
/// Shared definitions stay at the root, where the value's `$ref`s point.
pub(crate) fn wrap_result(mut schema: Value) -> Value {
    let mut root = Map::new();
    if let Value::Object(map) = &mut schema {
        map.remove("$schema");
        map.remove("title");
        if let Some(defs) = map.remove("$defs") {
            root.insert("$defs".into(), defs);
        }
    }
    retarget_root_refs(&mut schema);
    let mut properties = Map::new();
    properties.insert("result".into(), schema);
    root.insert("type".into(), "object".into());
    root.insert("properties".into(), Value::Object(properties));
    root.insert("required".into(), Value::Array(vec!["result".into()]));
    Value::Object(root)
}

/// A recursive type refers to itself as `#`, which is `#/properties/result` once wrapped.
fn retarget_root_refs(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "$ref" && value == "#" {
                    *value = "#/properties/result".into();
                } else {
                    retarget_root_refs(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(retarget_root_refs),
        _ => {}
    }
}

/// Whether a schema's root is an object schema (`outputSchema` must be).
pub(crate) fn is_object_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
}
