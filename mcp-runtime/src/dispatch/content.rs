//! Resource, prompt and completion methods, shared by both eras. Reads are cacheable
//! per user (`private`), lists for everyone (`public`); the era decides what that means.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Body, CacheScope, Dispatcher, MethodResult};
use crate::complete::{self, CompletionRequest};
use crate::error::{Error, ErrorKind};
use crate::extract::Context;
use crate::input::mrtr::{self, Driven};
use crate::prompt::PromptCall;
use crate::protocol::encode;
use crate::protocol::{CompleteResult, Completion};
use crate::registry::ArgSpec;

fn parse<'a, T: Deserialize<'a>>(params: Option<&'a RawValue>) -> Result<T, Error> {
    serde_json::from_str(params.map_or("{}", RawValue::get))
        .map_err(|e| Error::invalid_params(format!("Invalid params: {e}")))
}

#[derive(Deserialize)]
struct ListParams<'a> {
    #[serde(borrow, default)]
    cursor: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct UriParams<'a> {
    #[serde(borrow)]
    uri: Cow<'a, str>,
}

pub(super) async fn list_resources(
    d: &Dispatcher,
    params: Option<&RawValue>,
    ctx: &Context,
) -> Result<MethodResult, Error> {
    let p: ListParams<'_> = parse(params)?;
    let catalog = d.server.resources.load_full();
    let page = catalog.list(p.cursor.as_deref(), ctx).await?;
    Ok(MethodResult::Cacheable(
        Body::Shared(page),
        super::list_scope(ctx),
    ))
}

pub(super) fn list_templates(
    d: &Dispatcher,
    params: Option<&RawValue>,
    ctx: &Context,
) -> Result<MethodResult, Error> {
    let p: ListParams<'_> = parse(params)?;
    let catalog = d.server.resources.load();
    let page = catalog.templates_page(p.cursor.as_deref(), ctx.scope.auth.as_ref())?;
    Ok(MethodResult::Cacheable(
        Body::Shared(page),
        super::list_scope(ctx),
    ))
}

pub(super) async fn read_resource(
    d: &Dispatcher,
    params: Option<&RawValue>,
    ctx: Context,
) -> Result<MethodResult, Error> {
    let p: UriParams<'_> = parse(params)?;
    let catalog = d.server.resources.load_full();
    // A read handler that asks for input gets `input_required` rounds in 2026, as tools do.
    let target = mrtr::Target {
        method: "resources/read",
        name: &p.uri,
        arguments: None,
    };
    let read = catalog.read(&p.uri, ctx.clone());
    let result = match mrtr::drive(&ctx, params, target, read).await? {
        Driven::InputRequired(result) => return Ok(result),
        Driven::Done(result) => result?,
    };
    let body = encode::to_vec(&result)?;
    Ok(MethodResult::Cacheable(
        Body::Owned(body),
        CacheScope::Private,
    ))
}

/// Session era only: the session subscribes to or unsubscribes from the URI; the
/// notification hub then sends it `notifications/resources/updated` for that URI.
pub(super) fn subscribe(
    d: &Dispatcher,
    params: Option<&RawValue>,
    ctx: &Context,
    on: bool,
) -> Result<MethodResult, Error> {
    let p: UriParams<'_> = parse(params)?;
    let session = ctx
        .session()
        .ok_or_else(|| Error::new(ErrorKind::InvalidRequest, "Invalid Request: no session"))?;
    let catalog = d.server.resources.load();
    if on {
        if !catalog.resolves(&p.uri) {
            return Err(Error::resource_not_found(p.uri.into_owned()));
        }
        session.subscribe_resource(p.uri.as_ref());
    } else {
        session.unsubscribe_resource(&p.uri);
    }
    // A remote server's resource: follow it there too.
    if let Some(hook) = catalog.subscribe_hook(&p.uri) {
        hook(&p.uri, on);
    }
    Ok(MethodResult::Complete(b"{}".to_vec()))
}

pub(super) fn list_prompts(
    d: &Dispatcher,
    params: Option<&RawValue>,
    ctx: &Context,
) -> Result<MethodResult, Error> {
    let p: ListParams<'_> = parse(params)?;
    let catalog = d.server.prompts.load();
    let page = catalog.page(p.cursor.as_deref(), ctx.scope.auth.as_ref())?;
    Ok(MethodResult::Cacheable(
        Body::Shared(page),
        super::list_scope(ctx),
    ))
}

#[derive(Deserialize)]
struct GetParams<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    arguments: Option<&'a RawValue>,
}

pub(super) async fn get_prompt(
    d: &Dispatcher,
    params: Option<&RawValue>,
    ctx: Context,
) -> Result<MethodResult, Error> {
    let p: GetParams<'_> = parse(params)?;
    let catalog = d.server.prompts.load_full();
    let entry = catalog
        .get(&p.name)
        .ok_or_else(|| Error::invalid_params(format!("Unknown prompt: {}", p.name)))?;
    let args: Option<HashMap<String, String>> = match p.arguments {
        Some(raw) => serde_json::from_str(raw.get())
            .map_err(|e| Error::invalid_params(format!("Invalid params: {e}")))?,
        None => None,
    };
    let call = PromptCall {
        ctx: ctx.clone(),
        name: entry.prompt.name.as_str().into(),
        args: args.unwrap_or_default(),
    };
    // In the 2026 era a prompt that asks for input answers `input_required` and is
    // re-rendered on the retry, exactly like a tool.
    let target = mrtr::Target {
        method: "prompts/get",
        name: &p.name,
        arguments: p.arguments,
    };
    let mut result = match mrtr::drive(&ctx, params, target, entry.render(call)).await? {
        Driven::InputRequired(result) => return Ok(result),
        Driven::Done(result) => result?,
    };
    // A rendering without its own description is described by the prompt's.
    if result.description.is_none() {
        result.description.clone_from(&entry.prompt.description);
    }
    Ok(MethodResult::Complete(encode::to_vec(&result)?))
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Reference<'a> {
    #[serde(rename = "ref/prompt")]
    Prompt {
        #[serde(borrow)]
        name: Cow<'a, str>,
    },
    #[serde(rename = "ref/resource")]
    Resource {
        #[serde(borrow)]
        uri: Cow<'a, str>,
    },
}

#[derive(Deserialize)]
struct Argument {
    name: String,
    value: String,
}

#[derive(Deserialize, Default)]
struct CompleteContext {
    #[serde(default)]
    arguments: HashMap<String, String>,
}

#[derive(Deserialize)]
struct CompleteParams<'a> {
    #[serde(borrow, rename = "ref")]
    reference: Reference<'a>,
    argument: Argument,
    #[serde(default)]
    context: Option<CompleteContext>,
}

/// `completion/complete`: an unknown ref is `-32602`; a known one without a completer for
/// the argument gets no values.
pub(super) async fn complete(
    d: &Dispatcher,
    params: Option<&RawValue>,
    ctx: Context,
) -> Result<MethodResult, Error> {
    let p: CompleteParams<'_> = parse(params)?;
    let mut home = None;
    let spec: Option<ArgSpec> = match &p.reference {
        Reference::Prompt { name } => {
            let catalog = d.server.prompts.load();
            let entry = catalog
                .get(name)
                .ok_or_else(|| Error::invalid_params(format!("Unknown prompt: {name}")))?;
            if let Some(forward) = &entry.complete {
                return forwarded(forward, ctx, params).await;
            }
            home.clone_from(&entry.home);
            find(&entry.arguments, &p.argument.name)
        }
        Reference::Resource { uri } => {
            let catalog = d.server.resources.load();
            match catalog.template(uri) {
                Some(t) if t.complete.is_some() => {
                    let forward = t.complete.clone().expect("checked");
                    drop(catalog);
                    return forwarded(&forward, ctx, params).await;
                }
                Some(t) => {
                    home.clone_from(&t.home);
                    find(&t.variables, &p.argument.name)
                }
                None if catalog.has_static(uri) => None,
                None => {
                    return Err(Error::invalid_params(format!(
                        "Unknown resource template: {uri}"
                    )))
                }
            }
        }
    };
    let completion = match spec {
        Some(ArgSpec {
            complete: Some(f), ..
        }) => {
            let req = CompletionRequest {
                ctx: match &home {
                    Some(home) => ctx.at_home(home),
                    None => ctx,
                },
                argument: p.argument.name.as_str().into(),
                value: p.argument.value,
                arguments: p.context.unwrap_or_default().arguments,
            };
            complete::cap(f(req).await?)
        }
        Some(spec) if !spec.enum_values.is_empty() => {
            complete::filter_prefix(&spec.enum_values, &p.argument.value)
        }
        _ => Completion::default(),
    };
    let body = encode::to_vec(&CompleteResult { completion })?;
    Ok(MethodResult::Complete(body))
}

/// A completion answered by the remote server the prompt or template comes from.
async fn forwarded(
    forward: &crate::server::ForwardComplete,
    ctx: Context,
    params: Option<&RawValue>,
) -> Result<MethodResult, Error> {
    let params: serde_json::Value = serde_json::from_str(params.map_or("{}", RawValue::get))?;
    let completion = complete::cap(forward(ctx, params).await?);
    let body = encode::to_vec(&CompleteResult { completion })?;
    Ok(MethodResult::Complete(body))
}

fn find(args: &[ArgSpec], name: &str) -> Option<ArgSpec> {
    args.iter().find(|a| a.name == name).cloned()
}
