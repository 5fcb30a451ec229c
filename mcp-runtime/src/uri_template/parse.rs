//! RFC 6570 URI template parsing (levels 1–4 syntax: operators, lists, `*`, `:n`).
//!
//! This file is deliberately free of dependencies and of `crate::` paths: the
//! `mcp-macros` crate compiles the very same file (`#[path]` include) to reject bad
//! templates at compile time, so the macro and the runtime can never disagree on what a
//! template means.

use std::fmt;

/// An expression operator (RFC 6570 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `{x}`: simple string expansion, reserved characters are encoded.
    Simple,
    /// `{+x}`: reserved expansion, `/`, `?` and other reserved characters pass through.
    Reserved,
    /// `{#x}`: fragment expansion.
    Fragment,
    /// `{.x}`: label expansion with a dot prefix.
    Label,
    /// `{/x}`: path segment expansion.
    Path,
    /// `{;x}`: path-style parameters.
    PathParam,
    /// `{?x}`: form-style query.
    Query,
    /// `{&x}`: form-style query continuation.
    QueryCont,
}

impl Operator {
    fn from_char(c: char) -> Option<Self> {
        Some(match c {
            '+' => Operator::Reserved,
            '#' => Operator::Fragment,
            '.' => Operator::Label,
            '/' => Operator::Path,
            ';' => Operator::PathParam,
            '?' => Operator::Query,
            '&' => Operator::QueryCont,
            _ => return None,
        })
    }

    /// The operator's character (`None` for simple expansion).
    pub fn as_char(self) -> Option<char> {
        Some(match self {
            Operator::Simple => return None,
            Operator::Reserved => '+',
            Operator::Fragment => '#',
            Operator::Label => '.',
            Operator::Path => '/',
            Operator::PathParam => ';',
            Operator::Query => '?',
            Operator::QueryCont => '&',
        })
    }

    /// Whether values may contain reserved characters such as `/` unencoded.
    pub fn allows_reserved(self) -> bool {
        matches!(self, Operator::Reserved | Operator::Fragment)
    }
}

/// One variable of an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarSpec {
    /// The variable name.
    pub name: String,
    /// `*`: the value is a list spread over several segments or pairs.
    pub explode: bool,
    /// `:n`: only the first `n` characters are used.
    pub prefix: Option<u16>,
}

/// A piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text, matched exactly.
    Literal(String),
    /// A `{...}` expression.
    Expr {
        /// The operator.
        op: Operator,
        /// The variables, in order.
        vars: Vec<VarSpec>,
    },
}

/// Why a template is invalid, with the byte offset of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset in the template.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.at)
    }
}

impl std::error::Error for TemplateError {}

/// Splits a template into literals and expressions. Rejects unbalanced braces,
/// empty expressions, invalid variable names, bad prefixes, a variable used twice and
/// characters that may not appear literally in a URI (spaces, quotes, `<>`, `\`, `^`,
/// `` ` ``, `|`, controls).
pub fn parse_template(template: &str) -> Result<Vec<Part>, TemplateError> {
    let err = |at: usize, message: String| Err(TemplateError { at, message });
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut names: Vec<String> = Vec::new();
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => {
                let start = i;
                let mut body = String::new();
                let mut closed = false;
                for (_, c) in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    if c == '{' {
                        return err(start, "nested `{` in an expression".into());
                    }
                    body.push(c);
                }
                if !closed {
                    return err(start, "unclosed `{`".into());
                }
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                let (op, list) = match body.chars().next().and_then(Operator::from_char) {
                    Some(op) => (op, &body[1..]),
                    None => {
                        if let Some(c) = body.chars().next().filter(|c| "=,!@|".contains(*c)) {
                            return err(
                                start + 1,
                                format!("operator `{c}` is reserved by RFC 6570 and not supported"),
                            );
                        }
                        (Operator::Simple, &body[..])
                    }
                };
                if list.is_empty() {
                    return err(start, format!("empty expression `{{{body}}}`"));
                }
                let mut vars = Vec::new();
                for spec in list.split(',') {
                    let var = parse_varspec(spec).map_err(|m| TemplateError {
                        at: start,
                        message: m,
                    })?;
                    if names.contains(&var.name) {
                        return err(start, format!("variable `{}` appears twice", var.name));
                    }
                    names.push(var.name.clone());
                    vars.push(var);
                }
                parts.push(Part::Expr { op, vars });
            }
            '}' => return err(i, "unmatched `}`".into()),
            c if c.is_control() || " \"'<>\\^`|".contains(c) => {
                return err(
                    i,
                    format!("character {c:?} is not allowed in a URI template"),
                );
            }
            '%' => {
                let hex: String = chars.clone().take(2).map(|(_, c)| c).collect();
                if hex.len() != 2 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return err(i, "`%` must start a percent-encoded byte like `%20`".into());
                }
                literal.push('%');
            }
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(parts)
}

fn parse_varspec(spec: &str) -> Result<VarSpec, String> {
    let (name, explode, prefix) = if let Some(n) = spec.strip_suffix('*') {
        (n, true, None)
    } else if let Some((n, len)) = spec.split_once(':') {
        let len: u16 = len
            .parse()
            .ok()
            .filter(|l| (1..10000).contains(l))
            .ok_or_else(|| format!("invalid prefix length `:{len}` (expected 1 to 9999)"))?;
        (n, false, Some(len))
    } else {
        (spec, false, None)
    };
    let valid = !name.is_empty()
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !valid {
        return Err(format!(
            "invalid variable name `{name}`: use letters, digits, `_` and single inner dots"
        ));
    }
    Ok(VarSpec {
        name: name.to_owned(),
        explode,
        prefix,
    })
}

/// The variable names of a parsed template, in order.
pub fn variable_names(parts: &[Part]) -> Vec<&str> {
    parts
        .iter()
        .flat_map(|p| match p {
            Part::Literal(_) => Vec::new(),
            Part::Expr { vars, .. } => vars.iter().map(|v| v.name.as_str()).collect(),
        })
        .collect()
}

/// Whether a variable may be absent from a matching URI: query, fragment and
/// continuation expressions disappear entirely when their variables are undefined.
pub fn is_optional(op: Operator) -> bool {
    matches!(
        op,
        Operator::Query | Operator::QueryCont | Operator::Fragment
    )
}

/// Checks that the literal start of a template (or a plain URI) has a URI scheme
/// (`scheme:` per RFC 3986 §3.1), the one thing `resources/read` needs to route on.
pub fn check_scheme(uri: &str) -> Result<(), TemplateError> {
    let scheme_end = uri.find(':').filter(|&i| i > 0);
    let ok = scheme_end.is_some_and(|end| {
        let s = &uri[..end];
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if ok {
        Ok(())
    } else {
        Err(TemplateError {
            at: 0,
            message: "a resource URI must start with a scheme such as `file:` or `config:`".into(),
        })
    }
}
