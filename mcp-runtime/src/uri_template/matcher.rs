//! Matching concrete URIs against a parsed template.

use std::collections::HashSet;

use super::parse::{self, Operator, Part, TemplateError};

/// A parsed URI template.
#[derive(Debug, Clone)]
pub struct UriTemplate {
    source: String,
    parts: Vec<Part>,
}

/// Longest URI a template is matched against; longer ones never match.
const MAX_URI: usize = 16 * 1024;

impl UriTemplate {
    /// Parses a template.
    pub fn parse(template: &str) -> Result<Self, TemplateError> {
        Ok(UriTemplate {
            source: template.to_owned(),
            parts: parse::parse_template(template)?,
        })
    }

    /// The template text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The parts.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// True when the template has no expressions (a plain URI).
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Literal(_)))
    }

    /// Variable names in order.
    pub fn variables(&self) -> Vec<&str> {
        parse::variable_names(&self.parts)
    }

    /// Sort key: smaller is more specific (tried first).
    pub fn specificity(&self) -> (std::cmp::Reverse<usize>, usize, usize) {
        let mut literal = 0;
        let mut greedy = 0;
        let mut vars = 0;
        for p in &self.parts {
            match p {
                Part::Literal(l) => literal += l.chars().count(),
                Part::Expr { op, vars: vs } => {
                    vars += vs.len();
                    if op.allows_reserved() || vs.iter().any(|v| v.explode) {
                        greedy += 1;
                    }
                }
            }
        }
        (std::cmp::Reverse(literal), greedy, vars)
    }

    /// Matches `uri`, returning the percent-decoded value of every variable present.
    pub fn match_uri(&self, uri: &str) -> Option<Vec<(String, String)>> {
        if uri.len() > MAX_URI {
            return None;
        }
        let mut m = Matcher {
            parts: &self.parts,
            uri,
            failed: HashSet::new(),
            out: Vec::new(),
        };
        m.go(0, 0).then_some(m.out)
    }
}

struct Matcher<'a> {
    parts: &'a [Part],
    uri: &'a str,
    failed: HashSet<(usize, usize)>,
    out: Vec<(String, String)>,
}

impl Matcher<'_> {
    fn go(&mut self, part: usize, pos: usize) -> bool {
        if part == self.parts.len() {
            return pos == self.uri.len();
        }
        if self.failed.contains(&(part, pos)) {
            return false;
        }
        let ok = match &self.parts[part] {
            Part::Literal(l) => {
                self.uri[pos..].starts_with(l.as_str()) && self.go(part + 1, pos + l.len())
            }
            Part::Expr { op, vars } => self.expr(part, pos, *op, vars),
        };
        if !ok {
            self.failed.insert((part, pos));
        }
        ok
    }

    fn expr(&mut self, part: usize, pos: usize, op: Operator, vars: &[parse::VarSpec]) -> bool {
        let rest = &self.uri[pos..];
        if matches!(op, Operator::Query | Operator::QueryCont) {
            return self.query(part, pos, op, vars);
        }
        let lead = op.as_char().filter(|_| op != Operator::Reserved);
        let body_start = match lead {
            Some(c) if rest.starts_with(c) => Some(pos + 1),
            Some(_) => None,
            None => Some(pos),
        };
        if let Some(start) = body_start {
            let later_query = self.parts[part + 1..].iter().any(|p| {
                matches!(p, Part::Expr { op, .. } if matches!(op, Operator::Query | Operator::QueryCont | Operator::Fragment))
            });
            // Likewise a raw `&` starts a later `{&x}`, never ends up in a value before it.
            let later_cont = self.parts[part + 1..].iter().any(|p| {
                matches!(
                    p,
                    Part::Expr {
                        op: Operator::QueryCont,
                        ..
                    }
                )
            });
            let multi = vars.len() > 1 || vars.iter().any(|v| v.explode);
            let allowed = |c: char| {
                let ok = match op {
                    Operator::Fragment => true,
                    Operator::Reserved => c != '#' && !(later_query && c == '?'),
                    Operator::Path => !"?#".contains(c) && (multi || c != '/'),
                    _ => !"/?#".contains(c),
                };
                ok && !(later_cont && c == '&')
            };
            let max = self.uri[start..]
                .char_indices()
                .find(|&(_, c)| !allowed(c))
                .map_or(self.uri.len(), |(i, _)| start + i);
            let min = if lead.is_none() { start + 1 } else { start };
            let uri = self.uri;
            let mut end = max;
            while end >= min {
                if uri.is_char_boundary(end) {
                    let mark = self.out.len();
                    if self.bind(op, vars, &uri[start..end]) && self.go(part + 1, end) {
                        return true;
                    }
                    self.out.truncate(mark);
                }
                if end == 0 {
                    break;
                }
                end -= 1;
            }
        }
        // Expressions with a lead character vanish when their variables are undefined.
        lead.is_some() && self.go(part + 1, pos)
    }

    fn bind(&mut self, op: Operator, vars: &[parse::VarSpec], body: &str) -> bool {
        let sep = match op {
            Operator::Path => '/',
            Operator::Label => '.',
            Operator::PathParam => ';',
            _ => ',',
        };
        let mut pieces: Vec<&str> = Vec::new();
        let mut rest = body;
        for (i, var) in vars.iter().enumerate() {
            if i + 1 == vars.len() || var.explode {
                pieces.push(rest);
                break;
            }
            match rest.split_once(sep) {
                Some((a, b)) => {
                    pieces.push(a);
                    rest = b;
                }
                None => {
                    pieces.push(rest);
                    break;
                }
            }
        }
        for (var, raw) in vars.iter().zip(pieces) {
            let raw = if op == Operator::PathParam {
                match raw.split_once('=') {
                    Some((k, v)) if k == var.name => v,
                    None if raw == var.name => "",
                    _ => return false,
                }
            } else {
                raw
            };
            let Some(value) = percent_decode(raw) else {
                return false;
            };
            if var
                .prefix
                .is_some_and(|n| value.chars().count() > n as usize)
            {
                return false;
            }
            self.out.push((var.name.clone(), value));
        }
        true
    }

    fn query(&mut self, part: usize, pos: usize, op: Operator, vars: &[parse::VarSpec]) -> bool {
        let lead = if op == Operator::Query { '?' } else { '&' };
        let uri = self.uri;
        let rest = &uri[pos..];
        if !rest.starts_with(lead) {
            return self.go(part + 1, pos);
        }
        // `{?a}{&b}` expands to one run of pairs (`?a=1&b=2`) in any order: the pairs are
        // read once for every query expression in the run, which then ends here.
        let mut next = part + 1;
        let mut run: Vec<&parse::VarSpec> = vars.iter().collect();
        while let Some(Part::Expr {
            op: Operator::QueryCont,
            vars,
        }) = self.parts.get(next)
        {
            run.extend(vars);
            next += 1;
        }
        let end = rest.find('#').map_or(uri.len(), |i| pos + i);
        let mark = self.out.len();
        for pair in uri[pos + 1..end].split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let Some(var) = run.iter().find(|var| var.name == k) else {
                continue;
            };
            let Some(value) = percent_decode(v) else {
                self.out.truncate(mark);
                return false;
            };
            match self.out[mark..].iter_mut().find(|(n, _)| *n == var.name) {
                Some((_, existing)) if var.explode => {
                    existing.push(',');
                    existing.push_str(&value);
                }
                Some(_) => {}
                None => self.out.push((var.name.clone(), value)),
            }
        }
        if self.go(next, end) {
            return true;
        }
        self.out.truncate(mark);
        false
    }
}

/// Decodes `%XX` escapes; `None` for malformed escapes or non-UTF-8 results.
pub fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(t: &str, uri: &str) -> Option<Vec<(String, String)>> {
        UriTemplate::parse(t).unwrap().match_uri(uri)
    }

    fn vars(pairs: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        Some(
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )
    }

    #[test]
    fn simple_and_query() {
        assert_eq!(
            m("users://{id}/profile", "users://42/profile"),
            vars(&[("id", "42")])
        );
        assert_eq!(m("users://{id}/profile", "users:///profile"), None);
        assert_eq!(m("users://{id}/profile", "users://a/b/profile"), None);
        assert_eq!(
            m(
                "users://{id}/profile{?fields,x}",
                "users://7/profile?x=1&fields=name%2Cage"
            ),
            vars(&[("id", "7"), ("x", "1"), ("fields", "name,age")])
        );
        assert_eq!(
            m("users://{id}/profile{?fields}", "users://7/profile"),
            vars(&[("id", "7")])
        );
    }

    #[test]
    fn reserved_path_and_explode() {
        assert_eq!(
            m("file:///{+path}", "file:///a/b/c.txt"),
            vars(&[("path", "a/b/c.txt")])
        );
        assert_eq!(
            m("file:///{+path}{?rev}", "file:///a/b?rev=2"),
            vars(&[("path", "a/b"), ("rev", "2")])
        );
        assert_eq!(m("x://r{/seg}", "x://r/a"), vars(&[("seg", "a")]));
        assert_eq!(m("x://r{/seg}", "x://r/a/b"), None);
        assert_eq!(m("x://r{/seg*}", "x://r/a/b"), vars(&[("seg", "a/b")]));
        assert_eq!(
            m("x://r{/a,b}", "x://r/1/2"),
            vars(&[("a", "1"), ("b", "2")])
        );
        assert_eq!(m("x://{a,b}", "x://1,2"), vars(&[("a", "1"), ("b", "2")]));
        assert_eq!(m("x://f{.ext}", "x://f.json"), vars(&[("ext", "json")]));
        assert_eq!(m("x://m{;v}", "x://m;v=3"), vars(&[("v", "3")]));
        assert_eq!(m("x://d{#frag}", "x://d#sec/1"), vars(&[("frag", "sec/1")]));
        assert_eq!(m("x://{code:3}", "x://abcd"), None);
        assert_eq!(m("x://{code:3}", "x://abc"), vars(&[("code", "abc")]));
        assert_eq!(m("x://{list*}", "x://a,b,c"), vars(&[("list", "a,b,c")]));
        assert_eq!(
            m("x://s{?tag*}", "x://s?tag=a&tag=b"),
            vars(&[("tag", "a,b")])
        );
        assert_eq!(
            m("x://s?fixed=1{&page}", "x://s?fixed=1&page=2"),
            vars(&[("page", "2")])
        );
        assert_eq!(m("x://s?fixed=1{&page}", "x://s?fixed=1"), Some(vec![]));
    }

    /// Found by `fuzz::uri_template::expansions_match_back`: `{?a}{&b}` lost `b` (the
    /// first expression swallowed every pair), and `{v}{&b}` read `b`'s pair into `v`.
    #[test]
    fn query_continuations_bind_after_a_query() {
        assert_eq!(
            m("x://s{?a}{&b}", "x://s?a=1&b=2"),
            vars(&[("a", "1"), ("b", "2")])
        );
        assert_eq!(
            m("x://s{?a}{&b}", "x://s?b=2&a=1"),
            vars(&[("b", "2"), ("a", "1")])
        );
        assert_eq!(
            m("x://{v}{&b}", "x://1&b=2"),
            vars(&[("v", "1"), ("b", "2")])
        );
    }

    #[test]
    fn decoding_and_literals() {
        assert_eq!(m("x://{a}", "x://%2e%2e"), vars(&[("a", "..")]));
        assert_eq!(m("x://{a}", "x://%zz"), None);
        assert_eq!(m("x://{a}", "x://%ff"), None);
        assert_eq!(m("config://app", "config://app"), Some(vec![]));
        assert_eq!(m("config://app", "config://apps"), None);
    }

    #[test]
    fn specificity_prefers_literals_then_fewer_greedy() {
        let a = UriTemplate::parse("file:///{+path}").unwrap();
        let b = UriTemplate::parse("file:///docs/{name}").unwrap();
        let c = UriTemplate::parse("file:///docs/{+name}").unwrap();
        let mut all = [&a, &c, &b];
        all.sort_by_key(|t| t.specificity());
        assert_eq!(
            all.map(|t| t.as_str()),
            [
                "file:///docs/{name}",
                "file:///docs/{+name}",
                "file:///{+path}"
            ]
        );
    }

    #[test]
    fn parse_errors() {
        for (t, msg) in [
            ("x://{a", "unclosed"),
            ("x://a}", "unmatched"),
            ("x://{}", "empty expression"),
            ("x://{a b}", "invalid variable name"),
            ("x://{a}/{a}", "appears twice"),
            ("x://{a:0}", "prefix"),
            ("x://{=a}", "reserved"),
            ("x:// a", "not allowed"),
            ("x://%g1", "percent"),
        ] {
            let e = parse::parse_template(t).unwrap_err();
            assert!(e.message.contains(msg), "{t}: {e}");
        }
        assert!(parse::check_scheme("no-scheme").is_err());
        assert!(parse::check_scheme("file:///x").is_ok());
    }
}
