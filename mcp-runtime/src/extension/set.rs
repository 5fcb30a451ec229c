//! The server's extensions, checked and indexed once at build: identifiers, method
//! collisions (with each other and with core methods), and the lookup the dispatcher
//! and the HTTP header checks use.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{EraSet, Extension, Invoke};
use crate::dispatch::CacheScope;
use crate::error::Error;
use crate::protocol::Era;

/// One servable extension method.
pub(crate) struct MethodEntry {
    /// The extension it belongs to.
    pub(crate) extension: Arc<str>,
    pub(crate) eras: EraSet,
    pub(crate) requires_client: bool,
    pub(crate) name_param: Option<String>,
    pub(crate) cache: Option<CacheScope>,
    pub(crate) invoke: Invoke,
}

/// Every extension of a server.
#[derive(Default)]
pub(crate) struct ExtensionSet {
    advertised: Vec<(String, Map<String, Value>, EraSet)>,
    methods: HashMap<String, Vec<MethodEntry>>,
}

impl ExtensionSet {
    pub(crate) fn build(extensions: Vec<Extension>) -> Result<Self, Error> {
        let mut set = ExtensionSet::default();
        for ext in extensions {
            check_id(&ext.id).map_err(|why| {
                Error::startup(format!("extension identifier `{}`: {why}", ext.id))
            })?;
            if set.advertised.iter().any(|(id, ..)| *id == ext.id) {
                return Err(Error::startup(format!(
                    "extension `{}` is added twice",
                    ext.id
                )));
            }
            let settings = ext
                .settings
                .map_err(|why| Error::startup(format!("extension `{}`: {why}", ext.id)))?;
            let id: Arc<str> = ext.id.as_str().into();
            for m in ext.methods {
                let eras = m.eras.unwrap_or(ext.eras);
                if m.name.is_empty() {
                    return Err(Error::startup(format!(
                        "extension `{id}` has a method without a name"
                    )));
                }
                if crate::dispatch::CORE_METHODS.contains(&m.name.as_str()) {
                    return Err(Error::startup(format!(
                        "extension `{id}`: `{}` is a core method and cannot be redefined",
                        m.name
                    )));
                }
                let same = set.methods.entry(m.name.clone()).or_default();
                if let Some(prev) = same.iter().find(|e| e.eras.overlaps(eras)) {
                    return Err(Error::startup(format!(
                        "method `{}` is defined by extension `{}` and by extension `{id}`",
                        m.name, prev.extension
                    )));
                }
                same.push(MethodEntry {
                    extension: id.clone(),
                    eras,
                    requires_client: m.requires_client.unwrap_or(ext.requires_client),
                    name_param: m.name_param,
                    cache: m.cache,
                    invoke: m.invoke,
                });
            }
            set.advertised.push((ext.id, settings, ext.eras));
        }
        Ok(set)
    }

    /// Serves a mounted server's extensions from this one: their declarations, and their
    /// methods run as the mounted server's (its state, its context), under their own
    /// names (extension identifiers and methods are protocol names, not namespaced).
    /// An extension this server declares itself stays its own; the tasks extension is
    /// always this server's (it runs the mounted tools' tasks). A method both define
    /// through different extensions is a build error naming both.
    pub(crate) fn adopt(
        &mut self,
        child: &ExtensionSet,
        home: &Arc<crate::server::ServerShared>,
        mount: &str,
    ) -> Result<(), Error> {
        let own: Vec<String> = self.advertised.iter().map(|(id, ..)| id.clone()).collect();
        let skip = |id: &str| own.iter().any(|o| o == id) || id == crate::tasks::EXTENSION_ID;
        for (id, settings, eras) in &child.advertised {
            if !skip(id) {
                self.advertised.push((id.clone(), settings.clone(), *eras));
            }
        }
        for (name, entries) in &child.methods {
            for e in entries.iter().filter(|e| !skip(&e.extension)) {
                let same = self.methods.entry(name.clone()).or_default();
                if let Some(prev) = same.iter().find(|p| p.eras.overlaps(e.eras)) {
                    return Err(Error::startup(format!(
                        "method `{name}` is defined by extension `{}` and by extension `{}` of the server mounted as `{mount}`",
                        prev.extension, e.extension
                    )));
                }
                let (inner, home) = (e.invoke.clone(), home.clone());
                same.push(MethodEntry {
                    extension: e.extension.clone(),
                    eras: e.eras,
                    requires_client: e.requires_client,
                    name_param: e.name_param.clone(),
                    cache: e.cache,
                    invoke: Arc::new(move |ctx, params| inner(ctx.at_home(&home), params)),
                });
            }
        }
        Ok(())
    }

    /// The method `name` as served in `era`.
    pub(crate) fn method(&self, name: &str, era: Era) -> Option<&MethodEntry> {
        self.methods
            .get(name)?
            .iter()
            .find(|e| e.eras.contains(era))
    }

    /// The parameter `Mcp-Name` mirrors for `name` in 2026-07-28, if it declares one.
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn name_param(&self, name: &str) -> Option<&str> {
        self.method(name, Era::Sessionless)?.name_param.as_deref()
    }

    /// `capabilities.extensions` for `era`, or `None` when nothing is advertised there.
    pub(crate) fn capabilities(&self, era: Era) -> Option<Map<String, Value>> {
        let map: Map<String, Value> = self
            .advertised
            .iter()
            .filter(|(_, _, eras)| eras.contains(era))
            .map(|(id, settings, _)| (id.clone(), Value::Object(settings.clone())))
            .collect();
        (!map.is_empty()).then_some(map)
    }
}

/// SEP-2133: `{vendor-prefix}/{name}`, named like `_meta` keys with a mandatory prefix.
/// The prefix is dot-separated labels, each starting with a letter and ending with a
/// letter or digit (hyphens inside); the name starts and ends with a letter or digit and
/// may hold `-`, `_` and `.` inside.
pub(crate) fn check_id(id: &str) -> Result<(), &'static str> {
    let (prefix, name) = id
        .split_once('/')
        .ok_or("it must be `{vendor-prefix}/{name}`, e.g. `com.example/my-extension`")?;
    if prefix.is_empty() || prefix.split('.').any(|label| !label_ok(label)) {
        return Err("the prefix must be dot-separated labels of letters, digits and hyphens, each starting with a letter (a reversed domain name)");
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let inner_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !(edge(name.chars().next()) && edge(name.chars().last()) && inner_ok) {
        return Err("the name must start and end with a letter or digit and contain only letters, digits, `-`, `_` and `.`");
    }
    Ok(())
}

fn label_ok(label: &str) -> bool {
    let mut chars = label.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && label
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_sep_2133() {
        for ok in [
            "io.modelcontextprotocol/tasks",
            "com.example/my-extension",
            "com.example/v2.1_beta",
            "x/y",
        ] {
            assert!(check_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "tasks",
            "/tasks",
            "com.example/",
            "com..example/x",
            "1com.example/x",
            "com.example-/x",
            "com.example/-x",
            "com.example/x y",
            "com_example/x",
        ] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }
}
