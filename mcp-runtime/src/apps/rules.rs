//! MCP Apps rules checked both at compile time (by `#[tool(app = ..)]` and
//! `#[resource("ui://..", app(..))]`) and at `build()` (for tools and resources made at
//! run time): the `ui://` scheme, tool visibility and CSP origins.
//!
//! Like `names.rs`, this file is free of dependencies and of `crate::` paths: `mcp-macros`
//! compiles the very same file (`#[path]` include), so both report the same message.

/// The scheme every MCP Apps UI resource uses.
pub const UI_SCHEME: &str = "ui://";

/// `_meta.ui.visibility` values.
pub const VISIBILITIES: [&str; 2] = ["model", "app"];

/// `permissions` of a UI resource: the attribute's spelling and the wire key.
pub const PERMISSIONS: [(&str, &str); 4] = [
    ("camera", "camera"),
    ("microphone", "microphone"),
    ("geolocation", "geolocation"),
    ("clipboard_write", "clipboardWrite"),
];

/// A UI resource URI: `ui://` and something after it.
pub fn check_ui_uri(uri: &str) -> Result<(), String> {
    match uri.strip_prefix(UI_SCHEME) {
        Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => Ok(()),
        Some(_) => Err(format!(
            "`{uri}` names no UI resource: write `ui://<server>/<view>`"
        )),
        None => Err(format!(
            "`{uri}` is not an MCP Apps UI resource: UI resources use the `ui://` scheme"
        )),
    }
}

/// Non-empty, each `"model"` or `"app"`, each once.
pub fn check_visibility<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<(), String> {
    let mut seen: Vec<&str> = Vec::new();
    for v in values {
        if !VISIBILITIES.contains(&v) {
            return Err(format!(
                "unknown visibility `{v}`: expected \"model\" (the agent may call the tool) or \"app\" (its UI may)"
            ));
        }
        if seen.contains(&v) {
            return Err(format!("visibility `{v}` is listed twice"));
        }
        seen.push(v);
    }
    if seen.is_empty() {
        return Err("visibility lists nobody: give \"model\", \"app\" or both".into());
    }
    Ok(())
}

/// A CSP origin a UI declares (`connectDomains`, `resourceDomains`, ...):
/// `scheme://host[:port]`, with `http`, `https`, `ws` or `wss`, and a host that may
/// start with `*.` (any subdomain). No path, query or credentials.
pub fn check_origin(origin: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("CSP origin `{origin}`: {why}"));
    let Some((scheme, rest)) = origin.split_once("://") else {
        return bad("write an origin with its scheme, e.g. \"https://api.example.com\"");
    };
    if !matches!(scheme, "http" | "https" | "ws" | "wss") {
        return bad("the scheme must be http, https, ws or wss");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return bad("the port must be a number");
        }
    }
    let host = host.strip_prefix("*.").unwrap_or(host);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.is_empty() || !host.split('.').all(label_ok) {
        return bad("the host must be a domain name (letters, digits, `-`, dot-separated; `*.` first for any subdomain), without a path");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for ok in [
            "https://api.example.com",
            "wss://realtime.example.com:8443",
            "https://*.example.com",
            "http://localhost:3000",
        ] {
            assert_eq!(check_origin(ok), Ok(()), "{ok}");
        }
        for bad in [
            "api.example.com",
            "ftp://x.com",
            "https://x.com/path",
            "https://",
            "https://x.com:",
            "https://*",
            "https://a..b",
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn visibility_and_uris() {
        assert_eq!(check_visibility(["app"]), Ok(()));
        assert_eq!(check_visibility(["model", "app"]), Ok(()));
        assert!(check_visibility([]).is_err());
        assert!(check_visibility(["app", "app"]).is_err());
        assert!(check_visibility(["user"]).is_err());
        assert_eq!(check_ui_uri("ui://charts/sales"), Ok(()));
        assert!(check_ui_uri("ui://").is_err());
        assert!(check_ui_uri("https://x").is_err());
    }
}
