//! The RFC 6570 matcher, run in reverse of a small expander written here from the RFC.

use proptest::prelude::*;

use crate::uri_template::{Operator, Part, UriTemplate};

const UNRESERVED: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

fn encode(value: &str, keep: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        if UNRESERVED.contains(c) || keep.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// RFC 6570 level-3 expansion of one expression, every variable defined.
fn expand_expr(op: Operator, values: &[(String, String)]) -> String {
    // Reserved characters `+` and `#` keep as they are, minus those that end the value.
    let reserved = "/:@!$'()*+,;=";
    let enc = |v: &str| match op {
        Operator::Reserved | Operator::Fragment => encode(v, reserved),
        _ => encode(v, ""),
    };
    let joined = |sep: &str| {
        values
            .iter()
            .map(|(_, v)| enc(v))
            .collect::<Vec<_>>()
            .join(sep)
    };
    match op {
        Operator::Simple | Operator::Reserved => joined(","),
        Operator::Fragment => format!("#{}", joined(",")),
        Operator::Label => format!(".{}", joined(".")),
        Operator::Path => format!("/{}", joined("/")),
        Operator::Query | Operator::QueryCont => {
            let lead = if op == Operator::Query { "?" } else { "&" };
            let pairs: Vec<String> = values
                .iter()
                .map(|(k, v)| format!("{k}={}", enc(v)))
                .collect();
            format!("{lead}{}", pairs.join("&"))
        }
        other => unreachable!("not generated: {other:?}"),
    }
}

fn expand(template: &UriTemplate, values: &[(String, String)]) -> String {
    let mut out = String::new();
    for part in template.parts() {
        match part {
            Part::Literal(l) => out.push_str(l),
            Part::Expr { op, vars } => {
                let vals: Vec<(String, String)> = vars
                    .iter()
                    .filter_map(|v| values.iter().find(|(n, _)| *n == v.name).cloned())
                    .collect();
                if !vals.is_empty() {
                    out.push_str(&expand_expr(*op, &vals));
                }
            }
        }
    }
    out
}

/// A template of literals and expressions, one variable each (queries up to three),
/// with the variables' values: expressions whose expansion is unambiguous to read back
/// in general, so the matcher must find *a* reading that expands to the same URI.
fn template() -> impl Strategy<Value = (String, Vec<(String, String)>)> {
    let op = prop::sample::select(vec!["", "+", "#", ".", "/", "?", "&"]);
    let piece = (op, 1usize..4, "[a-z0-9:/-]{0,4}");
    (
        prop::collection::vec(piece, 1..4),
        prop::collection::vec("[^#?&]{1,6}", 12),
    )
        .prop_map(|(pieces, mut pool)| {
            let mut text = "x://".to_owned();
            let mut values = Vec::new();
            let mut n = 0;
            let mut seen_fragment = false;
            let mut seen_query = false;
            for (op, count, lit) in pieces {
                // Nothing follows a fragment; only query continuations follow a query.
                if seen_fragment {
                    break;
                }
                let op = if seen_query && op != "#" { "&" } else { op };
                seen_query |= op == "?" || op == "&";
                let count = if op == "?" || op == "&" { count } else { 1 };
                let names: Vec<String> = (0..count).map(|i| format!("v{}", n + i)).collect();
                n += count;
                text.push_str(&format!("{{{op}{}}}", names.join(",")));
                for name in names {
                    values.push((name, pool.pop().unwrap_or_else(|| "z".into())));
                }
                seen_fragment = op == "#";
                if !seen_fragment && op != "?" && op != "&" {
                    text.push_str(&lit);
                }
            }
            (text, values)
        })
}

/// `{+x}` keeps reserved characters raw where `{x}` or `{.x}` writes them encoded, so a
/// template mixing them can read a URI's `%24` or `%2F` into either expression (both
/// readings are valid): compare decoded, which still catches lost, doubled or reordered
/// values.
fn normal(uri: &str) -> String {
    crate::uri_template::percent_decode(uri).unwrap_or_else(|| uri.to_owned())
}

proptest! {
    #[test]
    fn parse_never_panics(text in any::<String>(), braced in "[a-z]{0,3}\\{[^}]{0,12}\\}?[a-z{}]{0,4}") {
        let _ = UriTemplate::parse(&text);
        let _ = UriTemplate::parse(&braced);
    }

    #[test]
    fn matching_never_panics(
        (text, _) in template(),
        uri in any::<String>(),
        suffix in "[a-z%/?#&=.,;:0-9\u{e9}]{0,24}",
    ) {
        let t = UriTemplate::parse(&text).unwrap();
        let _ = t.match_uri(&uri);
        let _ = t.match_uri(&format!("x://{suffix}"));
    }

    /// Every expansion matches, and what the matcher reads expands to the same URI.
    #[test]
    fn expansions_match_back((text, values) in template()) {
        let t = UriTemplate::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let uri = expand(&t, &values);
        let Some(found) = t.match_uri(&uri) else {
            return Err(TestCaseError::fail(format!("{uri} does not match {text}")));
        };
        prop_assert_eq!(normal(&expand(&t, &found)), normal(&uri), "template {}, read {:?}", text, found);
    }
}
