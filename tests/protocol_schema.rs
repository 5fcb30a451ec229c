//! Wire shapes: the official 2026-07-28 schema examples round-trip through our protocol
//! types, and the schemas `#[tool]` generates are pinned exactly.
//!
//! The examples are copied from the spec repository into `tests/fixtures/spec-examples/`
//! (one directory per schema type) so a fresh clone has them.

use std::path::{Path, PathBuf};

use mcpserve::prelude::*;
// Wire types beyond what the facade shows come from the runtime crate itself.
use mcp_runtime::protocol::{
    CallToolResult, Content, DiscoverResult, ErrorObject, ListToolsResult, LoggingMessageParams,
    ProgressNotificationParams, ResourceContents, ServerCapabilities, Tool,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

fn examples(kind: &str) -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spec-examples")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no examples in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, v)
        })
        .collect()
}

/// `resultType`, `ttlMs` and `cacheScope` are added by the dispatcher per era, not
/// carried by the result types; compare without them.
fn without_decoration(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        for key in ["resultType", "ttlMs", "cacheScope"] {
            map.remove(key);
        }
    }
    v
}

fn round_trip<T: DeserializeOwned + Serialize>(kind: &str, prepare: fn(Value) -> Value) {
    for (path, example) in examples(kind) {
        let expected = prepare(example);
        let typed: T = serde_json::from_value(expected.clone())
            .unwrap_or_else(|e| panic!("{}: does not deserialize: {e}", path.display()));
        let back = serde_json::to_value(&typed).unwrap();
        assert_eq!(back, expected, "{} does not round-trip", path.display());
    }
}

fn same(v: Value) -> Value {
    v
}

/// Error examples are full responses or bare error objects.
fn error_member(v: Value) -> Value {
    v.get("error").cloned().unwrap_or(v)
}

/// `isError: false` is the default, which `CallToolResult` leaves out when serializing.
fn call_tool_result(v: Value) -> Value {
    let mut v = without_decoration(v);
    if v.get("isError") == Some(&Value::Bool(false)) {
        v.as_object_mut().unwrap().remove("isError");
    }
    v
}

#[test]
fn tools_round_trip() {
    round_trip::<Tool>("Tool", same);
    round_trip::<ListToolsResult>("ListToolsResult", without_decoration);
}

#[test]
fn call_tool_results_round_trip() {
    round_trip::<CallToolResult>("CallToolResult", call_tool_result);
}

#[test]
fn content_blocks_round_trip() {
    for kind in [
        "TextContent",
        "ImageContent",
        "AudioContent",
        "EmbeddedResource",
        "ResourceLink",
    ] {
        round_trip::<Content>(kind, same);
    }
    round_trip::<ResourceContents>("TextResourceContents", same);
    round_trip::<ResourceContents>("BlobResourceContents", same);
}

#[test]
fn capabilities_and_discovery_round_trip() {
    round_trip::<ServerCapabilities>("ServerCapabilities", same);
    round_trip::<DiscoverResult>("DiscoverResult", without_decoration);
}

#[test]
fn notification_params_round_trip() {
    round_trip::<ProgressNotificationParams>("ProgressNotificationParams", same);
    round_trip::<LoggingMessageParams>("LoggingMessageNotificationParams", same);
}

#[test]
fn error_objects_round_trip() {
    for kind in [
        "ParseError",
        "InvalidParamsError",
        "MethodNotFoundError",
        "InternalError",
        "UnsupportedProtocolVersionError",
    ] {
        round_trip::<ErrorObject>(kind, error_member);
    }
}

// ---- generated schemas ---------------------------------------------------------------

#[derive(Deserialize, Serialize, JsonSchema)]
enum Unit {
    Celsius,
    Fahrenheit,
}

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)] // only its schema matters
struct Place {
    /// City name.
    city: String,
    country: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct Forecast {
    /// Degrees in the requested unit.
    temperature: f64,
    unit: Unit,
    /// Hourly values.
    hourly: Vec<f32>,
}

/// Forecast for a place.
#[tool(annotations(read_only, open_world))]
async fn forecast(
    /// Where.
    place: Place,
    #[arg(default = Unit::Celsius)] unit: Unit,
    /// Hours ahead.
    #[arg(rename = "hoursAhead", default = 24)]
    hours: u8,
    #[arg(header = "Region")] region: Option<String>,
    ctx: Context,
) -> Result<Forecast, Error> {
    let _ = (place, hours, region, ctx);
    Ok(Forecast {
        temperature: 21.5,
        unit,
        hourly: vec![],
    })
}

/// Takes nothing, returns nothing.
#[tool(title = "No-op")]
fn noop() {}

fn tool(name: &str) -> Value {
    let server = Server::from_registry().build().unwrap();
    let tool = server.tools().into_iter().find(|t| t.name == name).unwrap();
    serde_json::to_value(tool).unwrap()
}

#[test]
fn generated_schemas_are_pinned() {
    assert_eq!(
        tool("forecast"),
        json!({
            "name": "forecast",
            "description": "Forecast for a place.",
            "annotations": { "readOnlyHint": true, "openWorldHint": true },
            "inputSchema": {
                "type": "object",
                "properties": {
                    "place": { "$ref": "#/$defs/Place", "description": "Where." },
                    "unit": { "$ref": "#/$defs/Unit", "default": "Celsius" },
                    "hoursAhead": {
                        "description": "Hours ahead.",
                        "type": "integer", "minimum": 0, "maximum": 255,
                        "default": 24
                    },
                    // Optional: left out of `required`, not nullable.
                    "region": { "type": "string", "x-mcp-header": "Region" }
                },
                "required": ["place"],
                "$defs": {
                    "Place": {
                        "type": "object",
                        "properties": {
                            "city": { "description": "City name.", "type": "string" },
                            // A field that may be null, spelled without a `type` array.
                            "country": { "anyOf": [{ "type": "string" }, { "type": "null" }] }
                        },
                        "required": ["city"]
                    },
                    "Unit": { "type": "string", "enum": ["Celsius", "Fahrenheit"] }
                }
            },
            "outputSchema": {
                "title": "Forecast",
                "type": "object",
                "properties": {
                    "temperature": { "description": "Degrees in the requested unit.", "type": "number" },
                    "unit": { "$ref": "#/$defs/Unit" },
                    "hourly": { "description": "Hourly values.", "type": "array", "items": { "type": "number" } }
                },
                "required": ["temperature", "unit", "hourly"],
                "$defs": {
                    "Unit": { "type": "string", "enum": ["Celsius", "Fahrenheit"] }
                }
            }
        })
    );
    assert_eq!(
        tool("noop"),
        json!({
            "name": "noop",
            "title": "No-op",
            "description": "Takes nothing, returns nothing.",
            "inputSchema": { "type": "object", "properties": {} }
        })
    );
}
