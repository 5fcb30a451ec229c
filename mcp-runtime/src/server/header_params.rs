//! Tool parameters mirrored into HTTP headers (`x-mcp-header`, 2026-07-28): found and
//! checked once when the catalog is built, so each request only compares values.
#![cfg_attr(not(feature = "http"), allow(dead_code))]

use serde_json::{Map, Value};

use crate::error::Error;

/// The schema keyword naming a parameter's header suffix.
pub(crate) const KEYWORD: &str = "x-mcp-header";

/// Largest integer a header may carry (JavaScript's safe range).
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// The JSON type of a mirrored parameter; it decides how header and body are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderParamType {
    String,
    Integer,
    Boolean,
}

/// One parameter mirrored as `Mcp-Param-{name}`.
#[derive(Debug, Clone)]
pub(crate) struct HeaderParam {
    /// The suffix, as written in the schema (header names compare case-insensitively).
    pub(crate) name: String,
    /// `Mcp-Param-{name}`, lowercased, ready for header-map lookups.
    pub(crate) header: String,
    /// The chain of `properties` keys from the arguments object to the value.
    pub(crate) path: Vec<String>,
    pub(crate) ty: HeaderParamType,
}

impl HeaderParam {
    /// The value at this parameter's path in the call arguments; `None` when absent or null.
    pub(crate) fn value_in<'a>(&self, args: &'a Value) -> Option<&'a Value> {
        let mut v = args;
        for key in &self.path {
            v = v.as_object()?.get(key)?;
        }
        (!v.is_null()).then_some(v)
    }

    /// Largest integer accepted for integer parameters.
    pub(crate) const MAX_SAFE_INTEGER: i64 = MAX_SAFE_INTEGER;
}

/// Every `x-mcp-header` annotation of `schema`, validated per the 2026-07-28 rules:
/// token names, unique case-insensitively, only on string/integer/boolean properties
/// reachable through `properties` alone.
pub(crate) fn collect(tool: &str, schema: &Map<String, Value>) -> Result<Vec<HeaderParam>, Error> {
    let mut found = Vec::new();
    walk(tool, schema, &mut Vec::new(), &mut found)?;
    for (i, a) in found.iter().enumerate() {
        if found[..i].iter().any(|b| b.header == a.header) {
            return Err(bad(
                tool,
                &a.name,
                "is used twice (names compare case-insensitively)",
            ));
        }
    }
    reject_unreachable(tool, schema, true)?;
    Ok(found)
}

fn walk(
    tool: &str,
    schema: &Map<String, Value>,
    path: &mut Vec<String>,
    found: &mut Vec<HeaderParam>,
) -> Result<(), Error> {
    let Some(Value::Object(props)) = schema.get("properties") else {
        return Ok(());
    };
    for (key, prop) in props {
        let Value::Object(prop) = prop else { continue };
        path.push(key.clone());
        if let Some(name) = prop.get(KEYWORD) {
            let Some(name) = name.as_str() else {
                return Err(bad(tool, &name.to_string(), "must be a string"));
            };
            if !crate::names::is_token(name) {
                return Err(bad(tool, name, "is not an HTTP header token"));
            }
            let ty = match primitive_type(prop) {
                Some("string") => HeaderParamType::String,
                Some("integer") => HeaderParamType::Integer,
                Some("boolean") => HeaderParamType::Boolean,
                _ => {
                    return Err(bad(
                        tool,
                        name,
                        "must annotate a string, integer or boolean property",
                    ))
                }
            };
            found.push(HeaderParam {
                name: name.to_owned(),
                header: format!("mcp-param-{}", name.to_ascii_lowercase()),
                path: path.clone(),
                ty,
            });
        }
        walk(tool, prop, path, found)?;
        path.pop();
    }
    Ok(())
}

/// An annotation reachable only through `items`, `$ref`, composition or conditionals
/// makes the tool invalid; `reachable` tracks whether the current node is on a pure
/// `properties` chain.
fn reject_unreachable(tool: &str, node: &Map<String, Value>, reachable: bool) -> Result<(), Error> {
    if !reachable {
        if let Some(name) = node.get(KEYWORD) {
            return Err(bad(
                tool,
                &name.to_string(),
                "is only allowed on properties reachable through `properties` keys",
            ));
        }
    }
    for (key, value) in node {
        match (key.as_str(), value) {
            ("properties", Value::Object(props)) => {
                for prop in props.values() {
                    if let Value::Object(prop) = prop {
                        reject_unreachable(tool, prop, reachable)?;
                    }
                }
            }
            (_, Value::Object(child)) => reject_unreachable(tool, child, false)?,
            (_, Value::Array(items)) => {
                for item in items {
                    if let Value::Object(child) = item {
                        reject_unreachable(tool, child, false)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The property's one non-null `type` (`Option<T>` parameters are `[T, "null"]`).
fn primitive_type(prop: &Map<String, Value>) -> Option<&str> {
    match prop.get("type")? {
        Value::String(t) => Some(t),
        Value::Array(types) => {
            let mut non_null = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null");
            let first = non_null.next()?;
            non_null.next().is_none().then_some(first)
        }
        _ => None,
    }
}

/// A header value as a client sends it: plain when it is visible ASCII without
/// surrounding whitespace (and not itself sentinel-shaped), else `=?base64?…?=`.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) fn encode_value(value: &str) -> String {
    let printable = value
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b));
    let padded = value.starts_with([' ', '\t']) || value.ends_with([' ', '\t']);
    let sentinel = value.starts_with("=?base64?") && value.ends_with("?=");
    if printable && !padded && !sentinel {
        value.to_owned()
    } else {
        use base64::Engine;
        format!(
            "=?base64?{}?=",
            base64::engine::general_purpose::STANDARD.encode(value.as_bytes())
        )
    }
}

impl HeaderParam {
    /// The header value for this parameter in `args` (`None`: omit the header).
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    pub(crate) fn header_value(&self, args: &Value) -> Option<String> {
        let text = match (self.value_in(args)?, self.ty) {
            (Value::String(s), HeaderParamType::String) => s.clone(),
            (Value::Bool(b), HeaderParamType::Boolean) => b.to_string(),
            (Value::Number(n), HeaderParamType::Integer) => match n.as_i64() {
                Some(i) => i.to_string(),
                None => n
                    .as_f64()
                    .filter(|f| f.fract() == 0.0)
                    .map(|f| (f as i64).to_string())?,
            },
            (other, _) => other.to_string(),
        };
        Some(encode_value(&text))
    }
}

fn bad(tool: &str, name: &str, why: &str) -> Error {
    Error::startup(format!("tool `{tool}`: `{KEYWORD}` {name:?} {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn finds_nested_annotations_with_their_paths() {
        let s = schema(json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "opts":{"type":"object","properties":{"n":{"type":["integer","null"],"x-mcp-header":"N"}}}}}));
        let found = collect("t", &s).unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.header.as_str(), p.path.join("."), p.ty))
            .collect();
        assert_eq!(
            got,
            [
                ("mcp-param-n", "opts.n".to_owned(), HeaderParamType::Integer),
                (
                    "mcp-param-region",
                    "region".to_owned(),
                    HeaderParamType::String
                ),
            ]
        );
    }

    #[test]
    fn values_are_encoded_as_the_spec_shows() {
        assert_eq!(encode_value("us-west1"), "us-west1");
        assert_eq!(
            encode_value("Hello, 世界"),
            "=?base64?SGVsbG8sIOS4lueVjA==?="
        );
        assert_eq!(encode_value(" padded "), "=?base64?IHBhZGRlZCA=?=");
        assert_eq!(encode_value("line1\nline2"), "=?base64?bGluZTEKbGluZTI=?=");
        assert_eq!(
            encode_value("=?base64?literal?="),
            "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="
        );
    }

    #[test]
    fn rejects_invalid_annotations() {
        let cases = [
            json!({"properties":{"a":{"type":"number","x-mcp-header":"A"}}}),
            json!({"properties":{"a":{"type":"string","x-mcp-header":"A b"}}}),
            json!({"properties":{"a":{"type":"string","x-mcp-header":""}}}),
            json!({"properties":{"a":{"type":"string","x-mcp-header":"A"},
                                 "b":{"type":"string","x-mcp-header":"a"}}}),
            json!({"properties":{"a":{"type":"array","items":{"type":"string","x-mcp-header":"A"}}}}),
            json!({"anyOf":[{"properties":{"a":{"type":"string","x-mcp-header":"A"}}}]}),
        ];
        for case in cases {
            assert!(collect("t", &schema(case.clone())).is_err(), "{case}");
        }
    }
}
