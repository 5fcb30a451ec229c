//! Where an annotated function sits, for one diagnostic: `#[tool]` on an associated
//! function. The attribute only sees the function, and rustc's own complaint about the
//! generated `const _` inside an `impl` ("`const` items in this context need a name")
//! says nothing useful, so the macro looks at the enclosing block in the source file.
//!
//! Needs the span's file and line (rustc 1.88+); without them, or when the file cannot
//! be read, nothing is reported and rustc's error stands.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;

use proc_macro2::Span;

thread_local! {
    /// File text by path: several items of one file are expanded in one process.
    static FILES: RefCell<HashMap<PathBuf, Option<String>>> = RefCell::new(HashMap::new());
}

/// The kind of block (`impl` or `trait`) the item at `span` is directly inside, if any.
pub(crate) fn enclosing_block(span: Span) -> Option<&'static str> {
    let path = span.local_file()?;
    let line = span.start().line;
    if line == 0 {
        return None;
    }
    FILES.with(|files| {
        let mut files = files.borrow_mut();
        let text = files
            .entry(path.clone())
            .or_insert_with(|| std::fs::read_to_string(&path).ok())
            .as_deref()?;
        let offset = line_offset(text, line)?;
        block_kind(&text[..offset])
    })
}

fn line_offset(text: &str, line: usize) -> Option<usize> {
    if line == 1 {
        return Some(0);
    }
    text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)
}

/// Scans `before` (the source up to the item) for the innermost unclosed `{` and names
/// the item that opened it when it is an `impl` or a `trait`. Comments, strings and
/// character literals are skipped so their braces do not count.
fn block_kind(before: &str) -> Option<&'static str> {
    let b = before.as_bytes();
    // For each open brace: where the text that introduces it starts.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut header_start = 0;
    let mut i = 0;
    while i < b.len() {
        if let Some(token) = non_code(before, i) {
            i = token.end;
            continue;
        }
        match b[i] {
            b'{' => {
                open.push((header_start, i));
                header_start = i + 1;
            }
            b'}' => {
                open.pop();
                header_start = i + 1;
            }
            b';' => header_start = i + 1,
            _ => {}
        }
        i += 1;
    }
    let (start, brace) = *open.last()?;
    let header = strip_attributes(&before[start..brace]);
    let mut words = header
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    let first = words.find(|w| !matches!(*w, "pub" | "crate" | "unsafe" | "default"))?;
    match first {
        "impl" => Some("impl"),
        "trait" => Some("trait"),
        _ => None,
    }
}

/// A comment or literal in Rust source: where it ends, and for a plain string literal
/// (`"..."`), its body's range.
pub(crate) struct NonCode {
    pub(crate) end: usize,
    pub(crate) string: Option<std::ops::Range<usize>>,
}

/// The comment, string or character literal starting at byte `i` of `text`, if any
/// (a lifetime such as `'a` is code).
pub(crate) fn non_code(text: &str, i: usize) -> Option<NonCode> {
    let b = text.as_bytes();
    let skip = |end: usize| {
        Some(NonCode {
            end: end.min(b.len()),
            string: None,
        })
    };
    match b[i] {
        b'/' if b.get(i + 1) == Some(&b'/') => {
            let mut j = i;
            while j < b.len() && b[j] != b'\n' {
                j += 1;
            }
            skip(j)
        }
        b'/' if b.get(i + 1) == Some(&b'*') => {
            let (mut j, mut depth) = (i, 0usize);
            while j < b.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            skip(j)
        }
        b'r' => {
            let (hashes, body) = raw_string_start(b, i)?;
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let mut j = body;
            while j < b.len() && !b[j..].starts_with(&close) {
                j += 1;
            }
            skip(j + close.len())
        }
        b'"' => {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let j = j.min(b.len());
            Some(NonCode {
                end: (j + 1).min(b.len()),
                string: Some(i + 1..j),
            })
        }
        b'\'' => {
            // A char literal ('x', '\n', '{'); a lifetime ('a) has no closing quote.
            if b.get(i + 1) == Some(&b'\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                return skip(j + 1);
            }
            let ch_len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
            (b.get(i + 1 + ch_len) == Some(&b'\'')).then(|| NonCode {
                end: i + 2 + ch_len,
                string: None,
            })
        }
        _ => None,
    }
}

/// `r"`, `r#"`, `br##"` ..: the number of `#`s and where the body starts.
fn raw_string_start(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') && b[i - 1] != b'b' {
        return None;
    }
    let mut j = i + 1;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    (b.get(j) == Some(&b'"')).then_some((j - i - 1, j + 1))
}

/// The header without leading `#[..]` attributes and doc comments.
fn strip_attributes(header: &str) -> &str {
    let mut h = header.trim_start();
    while let Some(rest) = h.strip_prefix("#") {
        let rest = rest.strip_prefix('!').unwrap_or(rest).trim_start();
        let Some(rest) = rest.strip_prefix('[') else {
            break;
        };
        let mut depth = 1;
        let mut end = rest.len();
        for (k, c) in rest.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = k + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        h = rest[end..].trim_start();
    }
    h
}

#[cfg(test)]
mod tests {
    use super::block_kind;

    #[test]
    fn finds_the_enclosing_impl_or_trait() {
        assert_eq!(block_kind("struct C;\nimpl C {\n    "), Some("impl"));
        assert_eq!(
            block_kind("#[derive(Debug)]\nimpl<T: Clone> Trait for C<T> where T: Copy {\n"),
            Some("impl")
        );
        assert_eq!(block_kind("pub unsafe trait T {\n"), Some("trait"));
        assert_eq!(block_kind("impl C {\n fn a() { }\n}\n"), None);
        assert_eq!(block_kind("mod m {\n"), None);
        assert_eq!(block_kind("impl C {\n fn a() {\n"), None);
        assert_eq!(block_kind("fn main() {\n"), None);
    }

    #[test]
    fn braces_in_comments_strings_and_chars_do_not_count() {
        let src = "impl C {\n // }\n /* } */ const S: &str = \"}\"; const R: &str = r#\"}\"#;\n const B: char = '}'; fn f<'a>(x: &'a str) {}\n";
        assert_eq!(block_kind(src), Some("impl"));
        assert_eq!(block_kind("mod m { const C: char = '{'; }\n"), None);
    }
}
