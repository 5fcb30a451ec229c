//! Reverse-DNS server names and repository URLs.

use serde::Serialize;

/// A source repository as the card and `server.json` describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repository {
    /// URL for browsing and cloning.
    pub url: String,
    /// Hosting service: `github`, `gitlab`, else the host name.
    pub source: String,
    #[serde(skip)]
    host: Option<String>,
    #[serde(skip)]
    owner: Option<String>,
}

impl Repository {
    /// Reads a repository URL (`https://github.com/owner/repo[.git]`, any forge).
    pub fn parse(url: &str) -> Repository {
        let url = url.trim().trim_end_matches('/').to_owned();
        let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
        let mut parts = rest.split('/');
        let host = parts
            .next()
            .map(|h| h.rsplit('@').next().unwrap_or(h))
            .map(|h| h.split(':').next().unwrap_or(h).to_ascii_lowercase())
            .filter(|h| !h.is_empty());
        let owner = parts.next().filter(|o| !o.is_empty()).map(str::to_owned);
        let source = match host.as_deref() {
            Some("github.com") => "github".to_owned(),
            Some("gitlab.com") => "gitlab".to_owned(),
            Some(h) => h.to_owned(),
            None => "git".to_owned(),
        };
        Repository {
            url,
            source,
            host,
            owner,
        }
    }

    /// The repository's owner on GitHub, when it is hosted there.
    pub fn github_owner(&self) -> Option<&str> {
        (self.source == "github").then_some(self.owner.as_deref()?)
    }

    /// The repository's owner (first path segment), on any forge.
    pub fn owner(&self) -> Option<&str> {
        self.owner.as_deref()
    }
}

/// The registry's name rule: `namespace/name`, one slash, 3 to 200 characters.
pub(crate) fn check_registry_name(name: &str) -> Result<(), String> {
    let ok_ns = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let ok_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let valid = (3..=200).contains(&name.len())
        && name.split_once('/').is_some_and(|(ns, n)| {
            !ns.is_empty() && !n.is_empty() && ns.chars().all(ok_ns) && n.chars().all(ok_name)
        });
    if valid {
        Ok(())
    } else {
        Err(format!(
            "registry name `{name}` must look like `io.github.owner/server` \
             (one `/`; letters, digits, `.` and `-` before it, also `_` after it)"
        ))
    }
}

/// `io.github.<owner>/<name>` for GitHub repositories, the reversed domain of the
/// repository's or the website's host otherwise, `local/<name>` as a last resort.
pub(crate) fn derive_registry_name(
    repository: Option<&Repository>,
    website: Option<&str>,
    name: &str,
) -> String {
    let name = sanitize(name, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
    });
    let namespace = repository
        .and_then(|r| match (r.source.as_str(), r.owner.as_deref()) {
            ("github", Some(owner)) => Some(format!("io.github.{owner}")),
            ("gitlab", Some(owner)) => Some(format!("io.gitlab.{owner}")),
            _ => r.host.as_deref().map(reverse_domain),
        })
        .or_else(|| {
            website
                .map(Repository::parse)
                .and_then(|w| w.host.as_deref().map(reverse_domain))
        })
        .map(|ns| sanitize(&ns, |c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')))
        .filter(|ns| !ns.is_empty())
        .unwrap_or_else(|| "local".to_owned());
    format!("{namespace}/{name}")
}

fn reverse_domain(host: &str) -> String {
    let host = host.strip_prefix("www.").unwrap_or(host);
    host.rsplit('.').collect::<Vec<_>>().join(".")
}

fn sanitize(s: &str, keep: impl Fn(char) -> bool) -> String {
    let out: String = s.chars().map(|c| if keep(c) { c } else { '-' }).collect();
    if out.is_empty() {
        "server".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_repositories_give_io_github_names() {
        let r = Repository::parse("https://github.com/acme/weather.git");
        assert_eq!(r.source, "github");
        assert_eq!(
            derive_registry_name(Some(&r), None, "weather"),
            "io.github.acme/weather"
        );
    }

    #[test]
    fn other_hosts_give_their_reversed_domain() {
        let r = Repository::parse("https://example.invalid/mcpserve");
        assert_eq!(r.source, "example.invalid");
        assert_eq!(
            derive_registry_name(Some(&r), None, "mcpserve"),
            "invalid.example/mcpserve"
        );
        assert_eq!(
            derive_registry_name(None, Some("https://www.example.com/docs"), "my server"),
            "com.example/my-server"
        );
        assert_eq!(derive_registry_name(None, None, "x"), "local/x");
    }

    #[test]
    fn registry_names_are_checked() {
        assert!(check_registry_name("io.github.acme/weather").is_ok());
        assert!(check_registry_name("weather").is_err());
        assert!(check_registry_name("a/b/c").is_err());
        assert!(check_registry_name("io.github.acme/we ather").is_err());
    }
}
