//! The scopes a request's operation declares, found before it is dispatched (from the
//! tool or prompt name or resource URI the endpoint indexes anyway), so a refusal can
//! still be an HTTP 403.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::Scopes;
use crate::protocol::jsonrpc::Request;
use crate::server::ServerShared;

/// The scopes the operation named by `req` needs; empty when it needs none (or names
/// nothing that exists: the dispatcher reports that).
pub(crate) fn required(server: &ServerShared, req: &Request) -> Scopes {
    let Some(params) = req.params.as_deref() else {
        return Scopes::default();
    };
    let string = |raw: Option<&str>| raw.and_then(|r| serde_json::from_str::<Cow<'_, str>>(r).ok());
    match &*req.method {
        "tools/call" => match string(req.index().name(params)) {
            Some(name) => server
                .tools
                .load()
                .get(&name)
                .map(|t| t.scopes.clone())
                .unwrap_or_default(),
            None => Scopes::default(),
        },
        "prompts/get" => match string(req.index().name(params)) {
            Some(name) => prompt_scopes(server, &name),
            None => Scopes::default(),
        },
        "resources/read" | "resources/subscribe" => match string(req.index().uri(params)) {
            Some(uri) => server.resources.load().scopes_for(&uri),
            None => Scopes::default(),
        },
        "completion/complete" => completion_scopes(server, params),
        _ => Scopes::default(),
    }
}

fn prompt_scopes(server: &ServerShared, name: &str) -> Scopes {
    server
        .prompts
        .load()
        .get(name)
        .map(|p| p.scopes.clone())
        .unwrap_or_default()
}

/// Completing a prompt's argument or a template's variable reveals values the operation
/// itself would: it needs the same scopes.
fn completion_scopes(server: &ServerShared, params: &RawValue) -> Scopes {
    #[derive(Deserialize)]
    struct P<'a> {
        #[serde(borrow, rename = "ref")]
        reference: Ref<'a>,
    }
    #[derive(Deserialize)]
    struct Ref<'a> {
        #[serde(borrow, rename = "type")]
        kind: Cow<'a, str>,
        #[serde(borrow, default)]
        name: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        uri: Option<Cow<'a, str>>,
    }
    let Ok(p) = serde_json::from_str::<P<'_>>(params.get()) else {
        return Scopes::default();
    };
    match (&*p.reference.kind, p.reference.name, p.reference.uri) {
        ("ref/prompt", Some(name), _) => prompt_scopes(server, &name),
        ("ref/resource", _, Some(uri)) => server
            .resources
            .load()
            .template(&uri)
            .map(|t| t.scopes.clone())
            .unwrap_or_default(),
        _ => Scopes::default(),
    }
}
