//! SEP-2243 request headers of the 2026-07-28 era: `Mcp-Method`, `Mcp-Name` and the
//! `Mcp-Param-*` headers of `x-mcp-header` tool parameters must match the body. Values
//! are trimmed of surrounding spaces and tabs and may use the `=?base64?…?=` sentinel.

use std::borrow::Cow;

use base64::Engine;
use http::header::{AsHeaderName, HeaderName};
use http::HeaderMap;
use serde::Deserialize;
use serde_json::Value;

use std::collections::HashMap;

use serde_json::value::RawValue;

use crate::extension::ExtensionSet;
use crate::protocol::jsonrpc::Request;
use crate::server::header_params::{HeaderParam, HeaderParamType};
use crate::server::ToolCatalog;

pub(super) const MCP_METHOD: HeaderName = HeaderName::from_static("mcp-method");
pub(super) const MCP_NAME: HeaderName = HeaderName::from_static("mcp-name");

/// Checks the mirrored headers of a 2026-07-28 request; the error is the message of the
/// `-32020` (HeaderMismatch) response.
pub(super) fn validate(
    headers: &HeaderMap,
    req: &Request,
    tools: &ToolCatalog,
    extensions: &ExtensionSet,
) -> Result<(), String> {
    let method =
        single(headers, &MCP_METHOD)?.ok_or("Header mismatch: the Mcp-Method header is required")?;
    if method != &*req.method {
        return Err(format!(
            "Header mismatch: Mcp-Method header value {method:?} does not match body method {:?}",
            &*req.method
        ));
    }
    let body_name: Option<Cow<'_, str>> = match &*req.method {
        // The name comes from the params index the era routing already built.
        "tools/call" | "prompts/get" | "resources/read" => req.params.as_deref().and_then(|p| {
            let index = req.index();
            let raw = if &*req.method == "resources/read" {
                index.uri(p)
            } else {
                index.name(p)
            }?;
            json_str(raw)
        }),
        // An extension method that mirrors one of its params (`taskId` for tasks).
        other => match extensions.name_param(other) {
            Some(param) => req.params.as_deref().and_then(|p| {
                let members: HashMap<Cow<'_, str>, &RawValue> =
                    serde_json::from_str(p.get()).ok()?;
                json_str(members.get(param)?.get())
            }),
            None => return Ok(()),
        },
    };
    let body_name = body_name.as_deref();
    let header =
        single(headers, &MCP_NAME)?.ok_or("Header mismatch: the Mcp-Name header is required")?;
    let header = decode(header).map_err(|e| format!("Header mismatch: Mcp-Name {e}"))?;
    if Some(&*header) != body_name {
        return Err(format!(
            "Header mismatch: Mcp-Name header value {header:?} does not match body value {:?}",
            body_name.unwrap_or_default()
        ));
    }
    // A second lookup of the tool only when some tool has header parameters.
    if &*req.method == "tools/call" && tools.any_header_params() {
        if let Some(entry) = body_name.and_then(|n| tools.get(n)) {
            if !entry.header_params.is_empty() {
                // Only tools with mirrored parameters pay for reading the arguments.
                #[derive(Deserialize)]
                struct Params {
                    #[serde(default)]
                    arguments: Value,
                }
                let args = req
                    .params
                    .as_deref()
                    .and_then(|p| serde_json::from_str::<Params>(p.get()).ok())
                    .map_or(Value::Null, |p| p.arguments);
                for param in entry.header_params.iter() {
                    check_param(headers, param, &args)?;
                }
            }
        }
    }
    Ok(())
}

fn check_param(headers: &HeaderMap, param: &HeaderParam, args: &Value) -> Result<(), String> {
    let header_name = format!("Mcp-Param-{}", param.name);
    let body = param.value_in(args);
    let header = single(headers, param.header.as_str())?;
    let (header, body) = match (header, body) {
        (None, None) => return Ok(()),
        (None, Some(_)) => {
            return Err(format!(
            "Header mismatch: the {header_name} header is required when `{}` is in the arguments",
            param.path.join(".")
        ))
        }
        (Some(_), None) => {
            return Err(format!(
                "Header mismatch: {header_name} is sent but `{}` is not in the arguments",
                param.path.join(".")
            ))
        }
        (Some(h), Some(b)) => (h, b),
    };
    let header = decode(header).map_err(|e| format!("Header mismatch: {header_name} {e}"))?;
    let same = match param.ty {
        HeaderParamType::String => body.as_str() == Some(&*header),
        HeaderParamType::Boolean => {
            body.as_bool().map(|b| if b { "true" } else { "false" }) == Some(&*header)
        }
        HeaderParamType::Integer => same_integer(&header, body),
    };
    if same {
        Ok(())
    } else {
        Err(format!(
            "Header mismatch: {header_name} header value {header:?} does not match body value {body}"
        ))
    }
}

/// Integers compare numerically, so `42`, `42.0` and `4.2e1` agree.
fn same_integer(header: &str, body: &Value) -> bool {
    let Ok(h) = header.parse::<f64>() else {
        return false;
    };
    let limit = HeaderParam::MAX_SAFE_INTEGER as f64;
    body.as_f64()
        .is_some_and(|b| h == b && h.fract() == 0.0 && h.abs() <= limit)
}

/// The one value of `name`, trimmed of optional whitespace; repeated or non-text values
/// are errors.
fn single<K: AsHeaderName + AsRef<str> + Copy>(
    headers: &HeaderMap,
    name: K,
) -> Result<Option<&str>, String> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        let name = name.as_ref();
        return Err(format!("Header mismatch: {name} is sent more than once"));
    }
    let text = first
        .to_str()
        .map_err(|_| {
            let name = name.as_ref();
            format!("Header mismatch: {name} contains invalid characters")
        })?;
    Ok(Some(text.trim_matches([' ', '\t'])))
}

/// A JSON string's text: borrowed when it has no escapes (`Cow<str>`'s own
/// `Deserialize` always allocates); `None` when `raw` is not a string.
fn json_str(raw: &str) -> Option<Cow<'_, str>> {
    match serde_json::from_str::<&str>(raw) {
        Ok(text) => Some(Cow::Borrowed(text)),
        Err(_) => serde_json::from_str::<String>(raw).ok().map(Cow::Owned),
    }
}

/// Decodes the `=?base64?…?=` sentinel (strict, padded base64 of UTF-8); anything else
/// is taken literally.
fn decode(value: &str) -> Result<Cow<'_, str>, &'static str> {
    match value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    {
        Some(encoded) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(Cow::Owned)
            .ok_or("is not valid base64-encoded UTF-8"),
        None => Ok(Cow::Borrowed(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_base64_sentinel_strictly() {
        assert_eq!(decode("=?base64?SGVsbG8=?=").as_deref(), Ok("Hello"));
        assert!(decode("=?base64?SGVsbG8?=").is_err());
        assert!(decode("=?base64?SGVs!!!bG8=?=").is_err());
        assert_eq!(decode("SGVsbG8=").as_deref(), Ok("SGVsbG8="));
        assert_eq!(decode("=?base64?SGVsbG8=").as_deref(), Ok("=?base64?SGVsbG8="));
        // Not a JSON string: no name; escapes are decoded.
        assert_eq!(json_str("5"), None);
        assert_eq!(json_str(r#""a\u0062""#).as_deref(), Some("ab"));
        assert!(matches!(json_str(r#""add""#), Some(Cow::Borrowed("add"))));
    }

    #[test]
    fn integers_compare_numerically() {
        assert!(same_integer("42", &serde_json::json!(42)));
        assert!(same_integer("42.0", &serde_json::json!(42)));
        assert!(same_integer("-7", &serde_json::json!(-7.0)));
        assert!(!same_integer("42", &serde_json::json!(43)));
        assert!(!same_integer("42", &serde_json::json!("42")));
        assert!(!same_integer("x", &serde_json::json!(1)));
    }
}
