//! Every schema the server publishes passes the portability rules strict MCP clients
//! apply, checked on tools covering the shapes schemars produces (widths, options,
//! nested options, maps, `serde_json::Value`, enums, flattened arguments, recursive and
//! non-object outputs).
//!
//! The rules are those of the MCP Inspector's tool-schema lint (`core/json/schemaLint.ts`,
//! modelcontextprotocol/inspector#2121, #2395; `--strict` fails on its errors), plus what
//! MCP itself requires, all treated as failures here:
//! * `boolean-schema`: a bare `true`/`false` where a schema object is expected (Claude
//!   Code rejects the tool); allowed only where booleans are conventional
//!   (`additionalProperties`, `unevaluatedProperties`, ..);
//! * `type-union`: `type` written as an array (`["integer", "null"]`): consumers that
//!   translate schemas to a single-`type` dialect (Gemini's OpenAPI subset) reject or
//!   drop it;
//! * `format`: a `format` outside JSON Schema 2020-12's list (`uint32`, `int64`, `double`:
//!   Ajv-based clients warn on every load, some model providers reject);
//! * `root-object`: `inputSchema` and `outputSchema` are `type: "object"` (MCP);
//! * `optional-nullable`: an argument left out of `required` does not also admit `null`
//!   (optional means "may be omitted");
//! * `dangling-ref`: every `$ref` resolves inside the schema; `required` names existing
//!   properties.

use std::collections::{BTreeMap, HashMap};

use mcpserve::prelude::*;
use mcpserve::Server;
use serde_json::{json, Value};

#[derive(Deserialize, Serialize, JsonSchema)]
enum Level {
    Low,
    High,
}

#[derive(Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind")]
enum Filter {
    ByTag { tag: String },
    ByAge { days: u16 },
}

#[derive(Deserialize, Serialize, JsonSchema)]
struct Window {
    /// Start, seconds.
    from: u64,
    to: Option<u64>,
    step: Option<f32>,
}

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Search {
    query: String,
    limit: Option<u32>,
    level: Option<Level>,
    window: Option<Window>,
}

/// Every kind of argument.
#[tool]
#[allow(clippy::too_many_arguments)]
async fn everything(
    a: u8,
    b: i32,
    c: Option<u32>,
    d: usize,
    e: f64,
    f: Vec<Option<u16>>,
    g: HashMap<String, i64>,
    h: serde_json::Value,
    i: Option<Level>,
    j: Option<Window>,
    k: Filter,
    #[arg(default = 3)] l: i16,
    m: BTreeMap<String, Vec<bool>>,
) -> String {
    let _ = (a, b, c, d, e, f, g, h, i, j, k, l, m);
    String::new()
}

/// A flattened argument struct.
#[tool]
fn search(#[arg(flatten)] s: Search) -> String {
    s.query
}

#[derive(Serialize, JsonSchema)]
struct Report {
    count: u64,
    ratio: Option<f64>,
    level: Option<Level>,
    window: Window,
    extra: serde_json::Value,
    children: Vec<Report>,
}

/// A struct output with optional and recursive fields.
#[tool]
fn report() -> Report {
    Report {
        count: 1,
        ratio: None,
        level: None,
        window: Window {
            from: 0,
            to: None,
            step: None,
        },
        extra: Value::Null,
        children: vec![],
    }
}

/// Non-object outputs.
#[tool]
fn windows() -> Vec<Window> {
    vec![]
}

#[tool]
fn level() -> Level {
    Level::High
}

#[tool]
fn maybe_window() -> Option<Window> {
    None
}

#[tool]
fn total() -> Json<u64> {
    Json(7)
}

/// A finding: rule and where.
fn lint(tool: &str, which: &str, schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let at = |path: &str, rule: &str| format!("{tool} {which}{path}: {rule}");
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        out.push(at("", "root-object"));
    }
    if which == "inputSchema" {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
            if !required.contains(&name.as_str()) && admits_null(schema, prop) {
                out.push(at(&format!("/properties/{name}"), "optional-nullable"));
            }
        }
    }
    walk(schema, schema, "", &mut |path, rule| {
        out.push(at(path, rule))
    });
    out
}

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
const BOOLEAN_OK: &[&str] = &[
    "additionalProperties",
    "unevaluatedProperties",
    "additionalItems",
    "unevaluatedItems",
];

fn walk(root: &Value, node: &Value, path: &str, report: &mut dyn FnMut(&str, &str)) {
    let Value::Object(map) = node else {
        if node.is_boolean() {
            report(path, "boolean-schema");
        }
        return;
    };
    if map.get("type").is_some_and(Value::is_array) {
        report(path, "type-union");
    }
    if let Some(f) = map.get("format").and_then(Value::as_str) {
        if !STANDARD_FORMATS.contains(&f) {
            report(path, "format");
        }
    }
    if let Some(r) = map.get("$ref").and_then(Value::as_str) {
        let target = r.strip_prefix('#').map(|p| root.pointer(p));
        if !matches!(target, Some(Some(_))) {
            report(path, "dangling-ref");
        }
    }
    if let (Some(Value::Array(req)), Some(Value::Object(props))) =
        (map.get("required"), map.get("properties"))
    {
        for r in req.iter().filter_map(Value::as_str) {
            if !props.contains_key(r) {
                report(path, "dangling-ref");
            }
        }
    }
    for (key, value) in map {
        let here = format!("{path}/{key}");
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "dependentSchemas" => {
                for (k, v) in value.as_object().into_iter().flatten() {
                    walk(root, v, &format!("{here}/{k}"), report);
                }
            }
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                for (i, v) in value.as_array().into_iter().flatten().enumerate() {
                    walk(root, v, &format!("{here}/{i}"), report);
                }
            }
            "items" | "contains" | "not" | "if" | "then" | "else" | "propertyNames" => {
                walk(root, value, &here, report)
            }
            k if BOOLEAN_OK.contains(&k) && !value.is_boolean() => walk(root, value, &here, report),
            _ => {}
        }
    }
}

/// Whether `schema` (resolving `$ref`s into `root`) accepts `null`.
fn admits_null(root: &Value, schema: &Value) -> bool {
    let Value::Object(map) = schema else {
        return schema == &Value::Bool(true);
    };
    if let Some(r) = map.get("$ref").and_then(Value::as_str) {
        if let Some(target) = r.strip_prefix('#').and_then(|p| root.pointer(p)) {
            if !admits_null(root, target) {
                return false;
            }
        }
    }
    match map.get("type") {
        Some(Value::String(t)) => return t == "null",
        Some(Value::Array(ts)) => return ts.iter().any(|t| t == "null"),
        _ => {}
    }
    if let Some(Value::Array(branches)) = map.get("anyOf").or_else(|| map.get("oneOf")) {
        return branches.iter().any(|b| admits_null(root, b));
    }
    !map.contains_key("$ref") && !map.contains_key("enum") && !map.contains_key("const")
}

#[tokio::test]
async fn every_published_schema_passes_the_portability_rules() {
    let server = Server::from_registry().build().unwrap();
    let mut findings = Vec::new();
    let mut checked = 0;
    for tool in server.tools() {
        findings.extend(lint(&tool.name, "inputSchema", &tool.input_schema));
        if let Some(out) = &tool.output_schema {
            findings.extend(lint(&tool.name, "outputSchema", out));
        }
        checked += 1;
    }
    assert!(checked >= 7);
    assert!(findings.is_empty(), "{findings:#?}");
}

/// The rules catch what schemars emits by default (so the test above can fail).
#[test]
fn the_rules_flag_schemars_defaults() {
    let raw = json!({
        "type": "object",
        "properties": {
            "c": { "type": ["integer", "null"], "format": "uint32", "minimum": 0 },
            "h": true
        }
    });
    let mut found = lint("t", "inputSchema", &raw);
    found.sort();
    assert_eq!(
        found,
        [
            "t inputSchema/properties/c: format",
            "t inputSchema/properties/c: optional-nullable",
            "t inputSchema/properties/c: type-union",
            "t inputSchema/properties/h: boolean-schema",
            "t inputSchema/properties/h: optional-nullable",
        ]
    );
}

/// The exact published form of the shapes most clients trip on.
#[tokio::test]
async fn portable_forms_are_pinned() {
    let server = Server::from_registry().build().unwrap();
    let tool = |name: &str| server.tools().into_iter().find(|t| t.name == name).unwrap();
    let everything = tool("everything").input_schema;
    let p = &everything["properties"];
    assert_eq!(
        p["a"],
        json!({ "type": "integer", "minimum": 0, "maximum": 255 })
    );
    assert_eq!(
        p["b"],
        json!({ "type": "integer", "minimum": -2147483648i64, "maximum": 2147483647 })
    );
    // Optional: not required, and not nullable.
    assert_eq!(
        p["c"],
        json!({ "type": "integer", "minimum": 0, "maximum": 4294967295u32 })
    );
    assert_eq!(p["d"], json!({ "type": "integer", "minimum": 0 }));
    assert_eq!(p["e"], json!({ "type": "number" }));
    assert_eq!(
        p["f"],
        json!({ "type": "array", "items": { "anyOf": [
            { "type": "integer", "minimum": 0, "maximum": 65535 }, { "type": "null" }
        ] } })
    );
    assert_eq!(p["h"], json!({}));
    assert_eq!(p["i"], json!({ "$ref": "#/$defs/Level" }));
    assert_eq!(
        p["l"],
        json!({ "type": "integer", "minimum": -32768, "maximum": 32767, "default": 3 })
    );
    assert_eq!(
        everything["required"],
        json!(["a", "b", "d", "e", "f", "g", "h", "k", "m"])
    );
    assert_eq!(
        everything["$defs"]["Window"]["properties"]["to"],
        json!({ "anyOf": [{ "type": "integer", "minimum": 0 }, { "type": "null" }] })
    );

    assert_eq!(
        tool("windows").output_schema.unwrap(),
        json!({
            "type": "object",
            "properties": { "result": {
                "type": "array", "items": { "$ref": "#/$defs/Window" }
            } },
            "required": ["result"],
            "$defs": { "Window": {
                "type": "object",
                "properties": {
                    "from": { "description": "Start, seconds.", "type": "integer", "minimum": 0 },
                    "to": { "anyOf": [{ "type": "integer", "minimum": 0 }, { "type": "null" }] },
                    "step": { "anyOf": [{ "type": "number" }, { "type": "null" }] }
                },
                "required": ["from", "to", "step"]
            } }
        })
    );
    assert_eq!(
        tool("total").output_schema.unwrap(),
        json!({
            "type": "object",
            "properties": { "result": { "type": "integer", "minimum": 0 } },
            "required": ["result"]
        })
    );
}
