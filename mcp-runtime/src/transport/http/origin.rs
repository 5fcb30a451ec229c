//! DNS-rebinding protection: the `Host` and `Origin` of every request are checked
//! against an allow-list before anything else happens.

use http::header::{HOST, ORIGIN};
use http::request::Parts;

use super::config::HostPolicy;

const LOCALHOST: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// Why a request was refused.
pub(super) fn check(parts: &Parts, policy: &HostPolicy, origins: &[String]) -> Result<(), String> {
    if *policy == HostPolicy::Any {
        return Ok(());
    }
    let host = match parts.headers.get(HOST) {
        Some(v) => v.to_str().ok(),
        // HTTP/2 carries the host in the `:authority` pseudo-header.
        None => parts.uri.authority().map(|a| a.as_str()),
    };
    let host = host.ok_or("missing Host header")?;
    if !host_allowed(host, policy) {
        return Err(format!("Host {host:?} is not allowed"));
    }
    if let Some(origin) = parts.headers.get(ORIGIN) {
        let origin = origin.to_str().map_err(|_| "invalid Origin header")?;
        let exact = origins.iter().any(|o| o.eq_ignore_ascii_case(origin));
        let by_host = origin
            .split_once("://")
            .filter(|(scheme, _)| matches!(*scheme, "http" | "https"))
            .is_some_and(|(_, authority)| host_allowed(authority.trim_end_matches('/'), policy));
        if !exact && !by_host {
            return Err(format!("Origin {origin:?} is not allowed"));
        }
    }
    Ok(())
}

fn host_allowed(authority: &str, policy: &HostPolicy) -> bool {
    let (name, port) = split_port(authority);
    let matches = |entry: &str| {
        let (e_name, e_port) = split_port(entry);
        e_name.eq_ignore_ascii_case(name) && (e_port.is_none() || e_port == port)
    };
    match policy {
        HostPolicy::Any => true,
        // The loopback names carry no port: no split per entry and request.
        HostPolicy::Localhost => LOCALHOST.iter().any(|e| e.eq_ignore_ascii_case(name)),
        HostPolicy::List(list) => list.iter().any(|e| matches(e)),
    }
}

/// Splits `name[:port]`, keeping IPv6 literals (`[::1]:8080`) in brackets.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    // Byte scans: a host name is a few bytes, shorter than `memchr`'s setup.
    let bytes = authority.as_bytes();
    let (name, rest) = match bytes.iter().position(|b| *b == b']') {
        Some(end) if bytes.first() == Some(&b'[') => authority.split_at(end + 1),
        _ => match bytes.iter().rposition(|b| *b == b':') {
            Some(i) => authority.split_at(i),
            None => (authority, ""),
        },
    };
    (name, rest.strip_prefix(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(host: &str, origin: Option<&str>) -> Parts {
        let mut b = http::Request::builder().uri("/mcp").header(HOST, host);
        if let Some(o) = origin {
            b = b.header(ORIGIN, o);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn localhost_policy() {
        let p = HostPolicy::Localhost;
        for ok in ["localhost", "127.0.0.1:8080", "[::1]:1", "LOCALHOST:3"] {
            assert_eq!(check(&parts(ok, None), &p, &[]), Ok(()), "{ok}");
        }
        for bad in [
            "evil.example.com",
            "127.0.0.2",
            "localhost.evil.com:80",
            "[::2]",
        ] {
            assert!(check(&parts(bad, None), &p, &[]).is_err(), "{bad}");
        }
        assert!(check(
            &parts("localhost", Some("http://evil.example.com")),
            &p,
            &[]
        )
        .is_err());
        assert!(check(&parts("localhost", Some("null")), &p, &[]).is_err());
        assert_eq!(
            check(&parts("localhost:1", Some("http://127.0.0.1:1")), &p, &[]),
            Ok(())
        );
        let extra = ["https://app.example.com".to_owned()];
        assert_eq!(
            check(
                &parts("localhost", Some("https://app.example.com")),
                &p,
                &extra
            ),
            Ok(())
        );
    }

    #[test]
    fn list_policy_with_ports() {
        let p = HostPolicy::List(vec!["api.example.com".into(), "other:8443".into()]);
        assert_eq!(check(&parts("api.example.com:443", None), &p, &[]), Ok(()));
        assert_eq!(check(&parts("other:8443", None), &p, &[]), Ok(()));
        assert!(check(&parts("other:8444", None), &p, &[]).is_err());
        assert!(check(&parts("localhost", None), &p, &[]).is_err());
    }

    #[test]
    fn ports_split_off_names_and_ipv6_literals() {
        assert_eq!(split_port("a:1"), ("a", Some("1")));
        assert_eq!(split_port("a"), ("a", None));
        assert_eq!(split_port("a:"), ("a", Some("")));
        assert_eq!(split_port("[::1]:8080"), ("[::1]", Some("8080")));
        assert_eq!(split_port("[::1]"), ("[::1]", None));
        assert_eq!(split_port("[::1]x"), ("[::1]", None));
        assert_eq!(split_port("[::1"), ("[:", Some("1")));
        assert_eq!(split_port("a]:1"), ("a]", Some("1")));
    }
}
