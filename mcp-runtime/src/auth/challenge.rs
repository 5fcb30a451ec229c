//! Refusals: the status, the `WWW-Authenticate: Bearer` challenge (RFC 6750 §3, RFC 9728
//! §5.1) and a JSON-RPC error body, ready for the transport to send.

use http::{HeaderValue, StatusCode};

use crate::protocol::jsonrpc::{self, code};
use crate::protocol::{ErrorObject, RequestId};

/// A request the endpoint refuses for authorization reasons.
#[derive(Debug)]
pub(crate) struct Rejection {
    pub(crate) status: StatusCode,
    pub(crate) challenge: Option<HeaderValue>,
    pub(crate) body: Vec<u8>,
    /// 503s ask the client to retry shortly.
    pub(crate) retry_after: bool,
}

/// The parameters of one challenge.
pub(crate) struct Challenge<'a> {
    pub(crate) resource_metadata: &'a str,
    /// `invalid_request`, `invalid_token` or `insufficient_scope`; absent when the
    /// request carried no credentials at all (RFC 6750 §3.1).
    pub(crate) error: Option<&'static str>,
    pub(crate) description: Option<&'a str>,
    /// Space-separated scopes the request needs.
    pub(crate) scope: Option<&'a str>,
}

impl Challenge<'_> {
    pub(crate) fn header(&self) -> HeaderValue {
        let mut v = String::from("Bearer ");
        let mut first = true;
        let mut param = |name: &str, value: &str| {
            if !first {
                v.push_str(", ");
            }
            first = false;
            v.push_str(name);
            v.push_str("=\"");
            v.extend(value.chars().map(|c| match c {
                // RFC 6750 allows neither `"` nor `\` in these values; our texts have
                // none, but a scope or URL from configuration must not break the header.
                '"' | '\\' => '\'',
                c if (' '..='~').contains(&c) => c,
                _ => '?',
            }));
            v.push('"');
        };
        if let Some(e) = self.error {
            param("error", e);
        }
        if let Some(d) = self.description {
            param("error_description", d);
        }
        if let Some(s) = self.scope.filter(|s| !s.is_empty()) {
            param("scope", s);
        }
        param("resource_metadata", self.resource_metadata);
        HeaderValue::from_str(&v).expect("printable ASCII")
    }

    /// The refusal: `status` with this challenge and a JSON-RPC error body.
    pub(crate) fn reject(&self, status: StatusCode, id: Option<&RequestId>) -> Rejection {
        let rpc_code = match status {
            StatusCode::FORBIDDEN => code::INSUFFICIENT_SCOPE,
            _ => code::UNAUTHORIZED,
        };
        let label = match status {
            StatusCode::FORBIDDEN => "Forbidden",
            _ => "Unauthorized",
        };
        let message = match (self.description, self.scope) {
            (Some(d), _) => format!("{label}: {d}"),
            (None, Some(s)) => format!("{label}: this operation needs an access token with `{s}`"),
            (None, None) => {
                format!("{label}: this endpoint needs an access token (Authorization: Bearer)")
            }
        };
        let mut data = serde_json::Map::new();
        if let Some(e) = self.error {
            data.insert("error".into(), e.into());
        }
        if let Some(s) = self.scope {
            data.insert("scope".into(), s.into());
        }
        data.insert("resource_metadata".into(), self.resource_metadata.into());
        let error = ErrorObject {
            code: rpc_code,
            message,
            data: Some(data.into()),
        };
        Rejection {
            status,
            challenge: Some(self.header()),
            body: jsonrpc::error_response(id, &error),
            retry_after: false,
        }
    }
}

/// 503: the token could not be checked now.
pub(crate) fn unavailable(why: &str) -> Rejection {
    let error = ErrorObject {
        code: code::INTERNAL_ERROR,
        message: format!("Service Unavailable: {why}"),
        data: None,
    };
    Rejection {
        status: StatusCode::SERVICE_UNAVAILABLE,
        challenge: None,
        body: jsonrpc::error_response(None, &error),
        retry_after: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_syntax() {
        let c = Challenge {
            resource_metadata: "https://h/.well-known/oauth-protected-resource/mcp",
            error: Some("insufficient_scope"),
            description: Some("needs more"),
            scope: Some("a b"),
        };
        assert_eq!(
            c.header(),
            "Bearer error=\"insufficient_scope\", error_description=\"needs more\", scope=\"a b\", resource_metadata=\"https://h/.well-known/oauth-protected-resource/mcp\""
        );
        let bare = Challenge {
            resource_metadata: "u\"x",
            error: None,
            description: None,
            scope: None,
        };
        assert_eq!(bare.header(), "Bearer resource_metadata=\"u'x\"");
        let r = c.reject(StatusCode::FORBIDDEN, None);
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["error"]["code"], code::INSUFFICIENT_SCOPE);
        assert_eq!(body["error"]["data"]["scope"], "a b");
    }
}
