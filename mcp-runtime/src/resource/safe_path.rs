//! `SafePath`: a relative path taken from a URI that cannot escape its root.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A relative, `/`-separated path from a URI variable that has been screened against
/// traversal: no `..` segment, no absolute path or drive prefix, no backslash, no NUL
/// or control character, and no leftover percent-encoding of `.`, `/` or `\` (which
/// would mean the client encoded twice to sneak past a decoder). `.` segments and empty
/// segments are dropped.
///
/// Use it as the type of a path variable: `#[resource("file:///{+path}")] async fn
/// file(path: SafePath)`; a rejected value makes the read fail with `-32602`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SafePath(String);

/// Why a path was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafePath(&'static str);

impl fmt::Display for UnsafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unsafe path: {}", self.0)
    }
}

impl std::error::Error for UnsafePath {}

/// Rejects what could escape a root directory; shared by [`SafePath`] and the default
/// screening of path-like template variables (`{+x}`, `{#x}`, `{/x*}`).
pub(crate) fn screen(value: &str) -> Result<(), UnsafePath> {
    if value.contains('\0') || value.chars().any(char::is_control) {
        return Err(UnsafePath("control characters are not allowed"));
    }
    if value.contains('\\') {
        return Err(UnsafePath("backslashes are not allowed"));
    }
    if value.starts_with('/') {
        return Err(UnsafePath("absolute paths are not allowed"));
    }
    let bytes = value.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Err(UnsafePath("drive prefixes are not allowed"));
    }
    let lower = value.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c", "%00"]
        .iter()
        .any(|e| lower.contains(e))
    {
        return Err(UnsafePath("doubly encoded path characters are not allowed"));
    }
    if value.split('/').any(|s| s == "..") {
        return Err(UnsafePath("`..` segments are not allowed"));
    }
    Ok(())
}

impl SafePath {
    /// The screened relative path, `/`-separated, without `.` or empty segments.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path's segments.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|s| !s.is_empty())
    }

    /// True for the root itself (an empty path).
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// `root` joined with this path, segment by segment.
    pub fn join_under(&self, root: impl AsRef<Path>) -> PathBuf {
        let mut p = root.as_ref().to_path_buf();
        p.extend(self.segments());
        p
    }
}

impl FromStr for SafePath {
    type Err = UnsafePath;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        screen(s)?;
        let clean: Vec<&str> = s
            .split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .collect();
        Ok(SafePath(clean.join("/")))
    }
}

impl fmt::Display for SafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for SafePath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_traversal() {
        for bad in [
            "..",
            "../etc/passwd",
            "a/../../b",
            "/etc/passwd",
            "a\\..\\b",
            "a\0b",
            "C:/x",
            "%2e%2e/x",
            "a/%2E%2e",
            "a%2fb",
            "a%5cb",
        ] {
            assert!(bad.parse::<SafePath>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn accepts_and_normalizes() {
        let p: SafePath = "docs/./guide//intro.md".parse().unwrap();
        assert_eq!(p.as_str(), "docs/guide/intro.md");
        assert_eq!(
            p.join_under("/srv"),
            PathBuf::from("/srv/docs/guide/intro.md")
        );
        assert!("".parse::<SafePath>().unwrap().is_root());
        assert_eq!("a..b/c".parse::<SafePath>().unwrap().as_str(), "a..b/c");
    }
}
