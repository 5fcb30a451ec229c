//! What the verbs print: the `list` table, tool results, resource contents, prompts.

use std::fmt::Write as _;

use crate::identity::json::Json;

/// A section of `list`: its heading and rows of (name, signature, description).
pub(crate) struct Section {
    pub(crate) title: &'static str,
    pub(crate) rows: Vec<[String; 3]>,
}

/// The `list` table: one block per non-empty section, columns aligned within it.
pub(crate) fn table(sections: &[Section]) -> String {
    let mut out = String::new();
    for s in sections.iter().filter(|s| !s.rows.is_empty()) {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "{} ({})", s.title, s.rows.len());
        let w0 = s
            .rows
            .iter()
            .map(|r| r[0].chars().count())
            .max()
            .unwrap_or(0);
        let w1 = s
            .rows
            .iter()
            .map(|r| r[1].chars().count())
            .max()
            .unwrap_or(0);
        for [a, b, c] in &s.rows {
            let line = format!("  {a:w0$}  {b:w1$}  {c}");
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    if out.is_empty() {
        out.push_str("This server offers no tools, resources or prompts.\n");
    }
    out
}

/// First line of a description.
pub(crate) fn summary(description: Option<&Json>) -> String {
    description
        .and_then(Json::as_str)
        .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or_default()
        .to_owned()
}

/// `a: integer, b?: string` from an object schema.
pub(crate) fn params(schema: Option<&Json>) -> String {
    let Some(schema) = schema else {
        return String::new();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let Some(Json::Object(props)) = schema.get("properties") else {
        return String::new();
    };
    props
        .iter()
        .map(|(name, prop)| {
            let opt = if required.contains(&name.as_str()) {
                ""
            } else {
                "?"
            };
            format!("{name}{opt}: {}", type_of(prop))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A short type name for a property schema.
fn type_of(prop: &Json) -> String {
    if let Some(values) = prop.get("enum").and_then(Json::as_array) {
        let names: Vec<String> = values
            .iter()
            .map(|v| {
                v.as_str().map_or_else(
                    || serde_json::to_string(v).unwrap_or_default(),
                    |s| format!("{s:?}"),
                )
            })
            .collect();
        return names.join("|");
    }
    if let Some(r) = prop.get("$ref").and_then(Json::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    match prop.get("type") {
        Some(Json::String(t)) if t == "array" => {
            format!(
                "{}[]",
                prop.get("items").map_or_else(|| "any".to_owned(), type_of)
            )
        }
        Some(Json::String(t)) => t.clone(),
        Some(Json::Array(ts)) => {
            let names: Vec<&str> = ts
                .iter()
                .filter_map(Json::as_str)
                .filter(|t| *t != "null")
                .collect();
            let nullable = ts.iter().any(|t| t.as_str() == Some("null"));
            format!("{}{}", names.join("|"), if nullable { "|null" } else { "" })
        }
        _ => ["anyOf", "oneOf"]
            .iter()
            .find_map(|k| prop.get(k).and_then(Json::as_array))
            .map(|alts| alts.iter().map(type_of).collect::<Vec<_>>().join("|"))
            .unwrap_or_else(|| "any".to_owned()),
    }
}

/// How a content block reads on a terminal.
pub(crate) fn content_block(block: &Json, out: &mut String) {
    let kind = block.get("type").and_then(Json::as_str).unwrap_or_default();
    match kind {
        "text" => line(
            out,
            block.get("text").and_then(Json::as_str).unwrap_or_default(),
        ),
        "image" | "audio" => {
            let mime = block.get("mimeType").and_then(Json::as_str).unwrap_or("?");
            let bytes = base64_len(block.get("data").and_then(Json::as_str).unwrap_or_default());
            line(out, &format!("[{kind}: {mime}, {bytes} bytes]"));
        }
        "resource_link" => {
            let uri = block.get("uri").and_then(Json::as_str).unwrap_or_default();
            line(out, &format!("[resource: {uri}]"));
        }
        "resource" => match block.get("resource") {
            Some(r) => resource_contents(r, out),
            None => line(out, "[resource]"),
        },
        _ => line(out, &serde_json::to_string(block).unwrap_or_default()),
    }
}

/// One item of `resources/read`'s `contents`.
pub(crate) fn resource_contents(item: &Json, out: &mut String) {
    if let Some(text) = item.get("text").and_then(Json::as_str) {
        line(out, text);
    } else {
        let uri = item.get("uri").and_then(Json::as_str).unwrap_or_default();
        let mime = item
            .get("mimeType")
            .and_then(Json::as_str)
            .unwrap_or("application/octet-stream");
        let bytes = base64_len(item.get("blob").and_then(Json::as_str).unwrap_or_default());
        line(
            out,
            &format!("[{uri}: {mime}, {bytes} bytes; use --json for the data]"),
        );
    }
}

fn line(out: &mut String, text: &str) {
    out.push_str(text);
    if !text.ends_with('\n') {
        out.push('\n');
    }
}

fn base64_len(data: &str) -> usize {
    let pad = data.bytes().rev().take_while(|b| *b == b'=').count();
    (data.len() / 4 * 3).saturating_sub(pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_read_like_a_signature() {
        let schema = Json::parse(
            r#"{"type":"object","properties":{"a":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}},"mode":{"enum":["fast","slow"]},"n":{"type":["number","null"]}},"required":["a"]}"#,
        )
        .unwrap();
        assert_eq!(
            params(Some(&schema)),
            r#"a: integer, tags?: string[], mode?: "fast"|"slow", n?: number|null"#
        );
    }

    #[test]
    fn tables_align_columns_per_section() {
        let t = table(&[Section {
            title: "Tools",
            rows: vec![
                ["add".into(), "a: integer".into(), "Add.".into()],
                ["word_count".into(), "".into(), "Count.".into()],
            ],
        }]);
        assert_eq!(
            t,
            "Tools (2)\n  add         a: integer  Add.\n  word_count              Count.\n"
        );
    }
}
