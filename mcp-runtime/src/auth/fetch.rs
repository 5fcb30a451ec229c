//! The HTTP client verifiers use to reach the authorization server (JWKS, introspection):
//! rustls, a timeout on every request, no redirects (credentials never follow one),
//! bounded response bodies.

use std::time::Duration;

use serde_json::Value;

/// Largest JWKS or introspection response accepted.
const MAX_BODY: usize = 256 * 1024;

#[derive(Clone)]
pub(super) struct Fetcher {
    client: reqwest::Client,
}

impl Fetcher {
    pub(super) fn new(timeout: Duration) -> Result<Fetcher, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mcpserve/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Fetcher { client })
    }

    pub(super) async fn get_json(&self, url: &str) -> Result<Value, String> {
        let res = self
            .client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| describe(&e))?;
        read_json(res).await
    }

    /// POSTs a form (`application/x-www-form-urlencoded`), authenticating with HTTP
    /// Basic (`client_secret_basic`) when `basic` is set.
    pub(super) async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> Result<Value, String> {
        let mut req = self
            .client
            .post(url)
            .header("accept", "application/json")
            .form(form);
        if let Some((id, secret)) = basic {
            // RFC 6749 §2.3.1: both parts form-urlencoded before Basic encoding.
            req = req.basic_auth(form_encode(id), Some(form_encode(secret)));
        }
        let res = req.send().await.map_err(|e| describe(&e))?;
        read_json(res).await
    }
}

/// The failure without anything a request carried (URLs only; never a body).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    }
}

async fn read_json(mut res: reqwest::Response) -> Result<Value, String> {
    let status = res.status();
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    if res.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err("response too large".to_owned());
    }
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err("response too large".to_owned());
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|_| "response is not JSON".to_owned())
}

fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn form_encoding_of_credentials() {
        assert_eq!(super::form_encode("a b:c/é"), "a+b%3Ac%2F%C3%A9");
    }
}
