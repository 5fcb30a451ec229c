//! Scopes: what an operation needs ([`Scopes`]) and which scopes imply others
//! ([`ScopeHierarchy`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::error::Error;

/// The scopes an operation needs (all of them): sorted, deduplicated, cheap to clone.
/// Empty for operations anyone authorized may use.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Scopes(Option<Arc<[Box<str>]>>);

impl Scopes {
    /// Checked scopes (each a valid scope token).
    pub(crate) fn new<I, S>(scopes: I) -> Result<Scopes, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut all: Vec<Box<str>> = Vec::new();
        for s in scopes {
            let s = s.as_ref();
            super::scope_token::check(s).map_err(Error::startup)?;
            all.push(s.into());
        }
        all.sort();
        all.dedup();
        Ok(Scopes((!all.is_empty()).then(|| all.into())))
    }

    /// Scopes declared on an attribute (already checked by the macro; checked again so a
    /// hand-written descriptor cannot slip an invalid one in).
    pub(crate) fn declared(scopes: &'static [&'static str], what: &str) -> Result<Scopes, Error> {
        Scopes::new(scopes).map_err(|e| Error::startup(format!("{what}: {e}")))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().flat_map(|s| s.iter()).map(|s| &**s)
    }
}

impl fmt::Display for Scopes {
    /// Space-separated, as in a `scope` parameter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(s)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Which scopes imply which: a token granted `notes` may do what `notes:read` allows.
/// Implication is transitive; cycles are harmless.
#[derive(Clone, Default, Debug)]
pub struct ScopeHierarchy {
    implies: HashMap<Box<str>, Vec<Box<str>>>,
}

/// A bound on expansion, so a hostile token with thousands of scopes cannot make the
/// closure expensive.
const MAX_EFFECTIVE: usize = 4096;

impl ScopeHierarchy {
    /// Records that `parent` implies every scope in `children`.
    pub fn implies<I, S>(&mut self, parent: &str, children: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let entry = self.implies.entry(parent.into()).or_default();
        entry.extend(children.into_iter().map(|c| c.as_ref().into()));
    }

    /// Every scope `parent` implies, directly or not (without `parent` itself), sorted.
    pub fn implied_by(&self, parent: &str) -> Vec<String> {
        self.expand([parent])
            .into_iter()
            .filter(|s| &**s != parent)
            .map(String::from)
            .collect()
    }

    /// The granted scopes plus everything they imply: sorted, deduplicated.
    pub(crate) fn expand<'a>(&self, granted: impl IntoIterator<Item = &'a str>) -> Vec<Box<str>> {
        let mut out: Vec<Box<str>> = granted.into_iter().map(Into::into).collect();
        let mut i = 0;
        while i < out.len() && out.len() < MAX_EFFECTIVE {
            if let Some(children) = self.implies.get(&out[i]) {
                for c in children {
                    if !out.contains(c) {
                        out.push(c.clone());
                    }
                }
            }
            i += 1;
        }
        out.sort();
        out.dedup();
        out
    }

    /// Every scope named in the hierarchy (parents and children).
    #[cfg_attr(not(feature = "auth"), allow(dead_code))]
    pub(crate) fn all(&self) -> impl Iterator<Item = &str> {
        self.implies
            .iter()
            .flat_map(|(p, c)| std::iter::once(p).chain(c))
            .map(|s| &**s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_sorted_unique_and_checked() {
        let s = Scopes::new(["b", "a", "b"]).unwrap();
        assert_eq!(s.to_string(), "a b");
        assert!(Scopes::new(Vec::<&str>::new()).unwrap().is_empty());
        assert!(Scopes::new(["has space"]).is_err());
        assert!(Scopes::new(["offline_access"]).is_err());
    }

    #[test]
    fn implication_is_transitive_and_bounded() {
        let mut h = ScopeHierarchy::default();
        h.implies("notes", ["notes:read", "notes:write"]);
        h.implies("notes:write", ["notes:draft"]);
        h.implies("notes:draft", ["notes"]); // a cycle
        let e = h.expand(["notes"]);
        let e: Vec<&str> = e.iter().map(|s| &**s).collect();
        assert_eq!(e, ["notes", "notes:draft", "notes:read", "notes:write"]);
        assert_eq!(h.expand(["other"]).len(), 1);
        let mut implied = h.implied_by("notes");
        implied.sort();
        assert_eq!(implied, ["notes:draft", "notes:read", "notes:write"]);
    }
}
