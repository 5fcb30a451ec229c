//! Answering a tool's elicitation on the terminal: each field of the requested form is
//! asked on stderr and read from stdin, typed and checked against its schema.

use std::io::{BufRead, Write};

use serde_json::{json, Map, Value};

/// The answer to `elicitation/create`, read from the terminal. Runs blocking: call it
/// on a blocking thread.
pub(crate) fn elicit(params: &Value, input: &mut dyn BufRead, out: &mut dyn Write) -> Value {
    match answer(params, input, out) {
        Ok(result) => result,
        // End of input: the person walked away.
        Err(Eof) => json!({ "action": "cancel" }),
    }
}

struct Eof;

fn answer(params: &Value, input: &mut dyn BufRead, out: &mut dyn Write) -> Result<Value, Eof> {
    let message = params["message"]
        .as_str()
        .unwrap_or("The tool asks for input.");
    let _ = writeln!(out, "? {message}");
    if params["mode"].as_str() == Some("url") {
        let url = params["url"].as_str().unwrap_or_default();
        let _ = writeln!(out, "  Open {url}");
        let go = ask(out, input, "  Done? [Y/n] ")?;
        return Ok(json!({ "action": if is_no(&go) { "decline" } else { "accept" } }));
    }
    let go = ask(out, input, "  Answer? [Y/n] ")?;
    if is_no(&go) {
        return Ok(json!({ "action": "decline" }));
    }
    let schema = &params["requestedSchema"];
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut content = Map::new();
    if let Some(props) = schema["properties"].as_object() {
        for (name, prop) in props {
            let required = required.contains(&name.as_str());
            if let Some(v) = field(name, prop, required, input, out)? {
                content.insert(name.clone(), v);
            }
        }
    }
    Ok(json!({ "action": "accept", "content": content }))
}

fn is_no(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "n" | "no")
}

fn ask(out: &mut dyn Write, input: &mut dyn BufRead, prompt: &str) -> Result<String, Eof> {
    let _ = write!(out, "{prompt}");
    let _ = out.flush();
    let mut line = String::new();
    match input.read_line(&mut line) {
        Ok(0) | Err(_) => {
            let _ = writeln!(out);
            Err(Eof)
        }
        Ok(_) => Ok(line.trim_end_matches(['\r', '\n']).to_owned()),
    }
}

/// Allowed values of a single-select field, with display titles.
fn choices(prop: &Value) -> Vec<(String, String)> {
    if let Some(values) = prop["enum"].as_array() {
        let names = prop["enumNames"].as_array();
        return values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let v = v.as_str()?.to_owned();
                let title = names
                    .and_then(|n| n.get(i))
                    .and_then(Value::as_str)
                    .unwrap_or(&v)
                    .to_owned();
                Some((v, title))
            })
            .collect();
    }
    ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| prop[*k].as_array())
        .map(|options| {
            options
                .iter()
                .filter_map(|o| {
                    let v = o["const"].as_str()?.to_owned();
                    let title = o["title"].as_str().unwrap_or(&v).to_owned();
                    Some((v, title))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn field(
    name: &str,
    prop: &Value,
    required: bool,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<Option<Value>, Eof> {
    let kind = prop["type"].as_str().unwrap_or("string");
    let label = prop["title"].as_str().unwrap_or(name);
    let multi = kind == "array";
    let options = if multi {
        choices(&prop["items"])
    } else {
        choices(prop)
    };
    let mut hint = match kind {
        "boolean" => "yes/no".to_owned(),
        _ if !options.is_empty() => {
            let list: Vec<String> = options
                .iter()
                .map(|(v, t)| {
                    if v == t {
                        v.clone()
                    } else {
                        format!("{v} = {t}")
                    }
                })
                .collect();
            let sep = if multi { ", comma-separated" } else { "" };
            format!("{}{sep}", list.join(" | "))
        }
        "integer" => "whole number".to_owned(),
        "number" => "number".to_owned(),
        _ => String::new(),
    };
    let default = prop.get("default").filter(|d| !d.is_null());
    if let Some(d) = default {
        let shown = match d {
            Value::String(s) => s.clone(),
            Value::Bool(true) => "yes".into(),
            Value::Bool(false) => "no".into(),
            other => other.to_string(),
        };
        hint = if hint.is_empty() {
            format!("default {shown}")
        } else {
            format!("{hint}; default {shown}")
        };
    } else if !required {
        hint = if hint.is_empty() {
            "optional".into()
        } else {
            format!("{hint}; optional")
        };
    }
    if let Some(desc) = prop["description"].as_str() {
        let _ = writeln!(out, "  {label}: {desc}");
    }
    let prompt = if hint.is_empty() {
        format!("  {label}: ")
    } else {
        format!("  {label} [{hint}]: ")
    };
    loop {
        let text = ask(out, input, &prompt)?;
        let text = text.trim();
        if text.is_empty() {
            if let Some(d) = default {
                return Ok(Some(d.clone()));
            }
            if !required {
                return Ok(None);
            }
            let _ = writeln!(out, "  (required)");
            continue;
        }
        match parse(kind, text, &options, prop) {
            Ok(v) => return Ok(Some(v)),
            Err(why) => {
                let _ = writeln!(out, "  ({why})");
            }
        }
    }
}

fn parse(
    kind: &str,
    text: &str,
    options: &[(String, String)],
    prop: &Value,
) -> Result<Value, String> {
    let pick = |t: &str| -> Result<String, String> {
        options
            .iter()
            .find(|(v, title)| v.eq_ignore_ascii_case(t) || title.eq_ignore_ascii_case(t))
            .map(|(v, _)| v.clone())
            .ok_or_else(|| {
                format!(
                    "one of: {}",
                    options
                        .iter()
                        .map(|(v, _)| v.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    };
    match kind {
        "boolean" => match text.to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" | "1" => Ok(Value::Bool(true)),
            "n" | "no" | "false" | "0" => Ok(Value::Bool(false)),
            _ => Err("yes or no".into()),
        },
        "integer" => {
            let n: i64 = text.parse().map_err(|_| "a whole number".to_owned())?;
            in_range(n as f64, prop)?;
            Ok(Value::from(n))
        }
        "number" => {
            let n: f64 = text.parse().map_err(|_| "a number".to_owned())?;
            in_range(n, prop)?;
            Ok(Value::from(n))
        }
        "array" => text
            .split(',')
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(|t| {
                if options.is_empty() {
                    Ok(t.to_owned())
                } else {
                    pick(t)
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map(|v| json!(v)),
        _ if !options.is_empty() => pick(text).map(Value::String),
        _ => {
            let len = text.chars().count() as u64;
            if prop["minLength"].as_u64().is_some_and(|m| len < m) {
                return Err(format!("at least {} characters", prop["minLength"]));
            }
            if prop["maxLength"].as_u64().is_some_and(|m| len > m) {
                return Err(format!("at most {} characters", prop["maxLength"]));
            }
            Ok(Value::String(text.to_owned()))
        }
    }
}

fn in_range(n: f64, prop: &Value) -> Result<(), String> {
    if let Some(min) = prop["minimum"].as_f64().filter(|m| n < *m) {
        return Err(format!("at least {min}"));
    }
    if let Some(max) = prop["maximum"].as_f64().filter(|m| n > *m) {
        return Err(format!("at most {max}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(params: Value, typed: &str) -> (Value, String) {
        let mut out = Vec::new();
        let v = elicit(&params, &mut typed.as_bytes(), &mut out);
        (v, String::from_utf8(out).unwrap())
    }

    fn form() -> Value {
        json!({
            "message": "Really?",
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "proceed": { "type": "boolean", "description": "Go on?" },
                    "count": { "type": "integer", "minimum": 1 },
                    "color": { "type": "string", "enum": ["red", "blue"] },
                    "note": { "type": "string" }
                },
                "required": ["proceed", "count"]
            }
        })
    }

    #[test]
    fn fields_are_asked_typed_and_rechecked() {
        // Fields come in the order the server's JSON has them (alphabetical).
        let (v, shown) = run(form(), "y\nBLUE\n0\n3\n\nmaybe\nyes\n");
        assert_eq!(
            v,
            json!({ "action": "accept", "content": { "proceed": true, "count": 3, "color": "blue" } })
        );
        assert!(shown.contains("(yes or no)"), "{shown}");
        assert!(shown.contains("(at least 1)"), "{shown}");
        assert!(shown.contains("color [red | blue; optional]: "), "{shown}");
    }

    #[test]
    fn no_declines_and_end_of_input_cancels() {
        assert_eq!(run(form(), "n\n").0, json!({ "action": "decline" }));
        assert_eq!(run(form(), "y\nred\n").0, json!({ "action": "cancel" }));
    }
}
