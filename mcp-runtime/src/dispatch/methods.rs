//! Method semantics, shared by both eras. Each returns an undecorated result object.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::catch::CatchUnwind;
use super::{content, method_not_found, Body, CacheScope, Dispatcher, MethodResult};
use crate::error::{Error, ErrorKind};
use crate::extract::rejection::ArgumentsNotObject;
use crate::extract::Context;
use crate::input::mrtr::{self, Driven};
use crate::protocol::encode;
use crate::protocol::jsonrpc::{self, Request};
use crate::protocol::meta;
use crate::protocol::params;
use crate::protocol::types::{CallToolResult, DiscoverResult, InitializeResult, LoggingLevel};
use crate::protocol::{Era, ProtocolVersion};
use crate::tool::{ToolCall, ToolOutcome};
use crate::{extension, tasks};

/// The methods [`route`] serves itself; extensions cannot redefine them.
pub(crate) const CORE_METHODS: &[&str] = &[
    "tools/call",
    "tools/list",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "resources/subscribe",
    "resources/unsubscribe",
    "ping",
    "initialize",
    "logging/setLevel",
    "server/discover",
    "subscriptions/listen",
];

pub(super) async fn route(
    d: &Dispatcher,
    req: &Request,
    ctx: &Context,
) -> Result<MethodResult, Error> {
    // A proxy answers once it knows what its remotes serve.
    #[cfg(feature = "proxy")]
    if d.server.has_remotes {
        d.server.remotes_ready().await;
    }
    // `tools/call` apart, every other method behind one box: inlined into this future's
    // poll they made it a 37 KB function, and a call's path through it alone missed the
    // instruction cache ≈10 times (callgrind's cache model: the whole call 123 misses,
    // 27 after this). The box costs the other methods one small allocation each.
    if &*req.method == "tools/call" {
        return call_tool(d, req, ctx).await;
    }
    Box::pin(other_method(d, req, ctx.clone())).await
}

/// Every method but `tools/call` (see [`route`]).
async fn other_method(d: &Dispatcher, req: &Request, ctx: Context) -> Result<MethodResult, Error> {
    let params = req.params.as_deref();
    match (ctx.era(), &*req.method) {
        (_, "tools/list") => list_tools(d, params, &ctx),
        (_, "resources/list") => content::list_resources(d, params, &ctx).await,
        (_, "resources/templates/list") => content::list_templates(d, params, &ctx),
        // Boxed: their futures are the largest; kept inline they would push every other
        // method's box past the allocator's cached sizes.
        (_, "resources/read") => Box::pin(content::read_resource(d, params, ctx)).await,
        (_, "prompts/list") => content::list_prompts(d, params, &ctx),
        (_, "prompts/get") => Box::pin(content::get_prompt(d, params, ctx)).await,
        (_, "completion/complete") => content::complete(d, params, ctx).await,
        (Era::Session, "resources/subscribe") => content::subscribe(d, params, &ctx, true),
        (Era::Session, "resources/unsubscribe") => content::subscribe(d, params, &ctx, false),
        (Era::Session, "ping") => Ok(MethodResult::Complete(b"{}".to_vec())),
        (Era::Session, "initialize") => initialize(d, &ctx),
        (Era::Session, "logging/setLevel") => set_level(params, &ctx),
        (Era::Sessionless, "server/discover") => discover(d),
        (Era::Sessionless, "subscriptions/listen") => crate::notify::listen(d, params, ctx).await,
        (era, method) => extension_method(d, era, method, params, ctx).await,
    }
}

/// A method an extension added (tasks included), or `-32601`. A method of an extension
/// that needs the client's opt-in answers `-32021` to clients that did not declare it.
async fn extension_method(
    d: &Dispatcher,
    era: Era,
    method: &str,
    params: Option<&RawValue>,
    ctx: Context,
) -> Result<MethodResult, Error> {
    let Some(entry) = d.server.extensions.method(method, era) else {
        return Err(method_not_found(method));
    };
    if entry.requires_client
        && extension::client_settings(ctx.client_capabilities(), &entry.extension).is_none()
    {
        return Err(extension::missing_extension(&entry.extension));
    }
    let output = (entry.invoke)(ctx, params)?.await?;
    Ok(match (output, entry.cache) {
        (extension::Output::Object(body), None) => MethodResult::Complete(body),
        (extension::Output::Shared(page), None) => MethodResult::Complete(page.to_vec()),
        (extension::Output::Object(body), Some(scope)) => {
            MethodResult::Cacheable(Body::Owned(body), scope)
        }
        (extension::Output::Shared(page), Some(scope)) => {
            MethodResult::Cacheable(Body::Shared(page), scope)
        }
    })
}

fn parse<'a, T: Deserialize<'a>>(params: Option<&'a RawValue>) -> Result<T, Error> {
    serde_json::from_str(params.map_or("{}", RawValue::get))
        .map_err(|e| Error::invalid_params(format!("Invalid params: {e}")))
}

/// Results go through the runtime's encoder: same bytes as serde_json, faster on
/// large strings.
fn to_vec(value: &impl serde::Serialize) -> Result<Vec<u8>, Error> {
    encode::to_vec(value).map_err(Error::from)
}

fn initialize(d: &Dispatcher, ctx: &Context) -> Result<MethodResult, Error> {
    let server = &d.server;
    let result = InitializeResult {
        protocol_version: ctx.protocol_version().as_str().to_owned(),
        capabilities: server.capabilities(Era::Session),
        server_info: server.info.clone(),
        instructions: server.instructions.clone(),
    };
    if let Some(s) = ctx.session() {
        tracing::info!(client = %s.client_info().name, version = %s.version(), "session initialized");
    }
    Ok(MethodResult::Complete(to_vec(&result)?))
}

fn discover(d: &Dispatcher) -> Result<MethodResult, Error> {
    let server = &d.server;
    let mut meta_map = serde_json::Map::new();
    meta_map.insert(
        meta::SERVER_INFO.into(),
        serde_json::to_value(&server.info)?,
    );
    let result = DiscoverResult {
        supported_versions: ProtocolVersion::SESSIONLESS
            .iter()
            .map(|v| v.as_str().to_owned())
            .collect(),
        capabilities: server.capabilities(Era::Sessionless),
        instructions: server.instructions.clone(),
        meta: Some(meta_map),
    };
    Ok(MethodResult::Cacheable(
        Body::Owned(to_vec(&result)?),
        CacheScope::Public,
    ))
}

fn set_level(params: Option<&RawValue>, ctx: &Context) -> Result<MethodResult, Error> {
    #[derive(Deserialize)]
    struct P {
        level: LoggingLevel,
    }
    let p: P = parse(params)?;
    if let Some(s) = ctx.session() {
        s.set_log_level(p.level);
    }
    Ok(MethodResult::Complete(b"{}".to_vec()))
}

#[derive(Deserialize)]
struct ListParams<'a> {
    #[serde(borrow, default)]
    cursor: Option<Cow<'a, str>>,
}

fn list_tools(
    d: &Dispatcher,
    params: Option<&RawValue>,
    ctx: &Context,
) -> Result<MethodResult, Error> {
    let p: ListParams<'_> = parse(params)?;
    let catalog = d.server.tools.load();
    let caps = ctx.client_capabilities();
    // A visibility predicate decides per request: render this caller's list.
    let per_request = d.server.visibility.is_some() || catalog.is_filtered();
    let page = if per_request {
        let auth = ctx.scope.auth.as_ref();
        catalog.visible_page(p.cursor.as_deref(), |e| {
            e.offered_to(caps)
                && d.server.is_visible(ctx, e)
                && !auth.is_some_and(|a| a.hides(&e.scopes))
        })?
    } else {
        catalog.page_for(p.cursor.as_deref(), ctx.scope.auth.as_ref(), caps)?
    };
    // A list that depends on the client (its extensions, a visibility predicate) must not
    // come from a shared cache.
    let scope = if per_request || catalog.varies_by_client() {
        CacheScope::Private
    } else {
        super::list_scope(ctx)
    };
    Ok(MethodResult::Cacheable(Body::Shared(page), scope))
}

#[derive(Deserialize)]
struct CallParams<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    arguments: Option<&'a RawValue>,
    /// Session era: a task-augmented call.
    #[serde(borrow, default)]
    task: Option<&'a RawValue>,
}

impl<'a> CallParams<'a> {
    /// Reads a call's params: from the params index when it certainly holds them (a
    /// walk over text serde_json already checked, instead of a second serde pass over all
    /// of it), else by a full parse, which words every error as it always did.
    fn read(req: &'a Request) -> Result<CallParams<'a>, Error> {
        let params = req.params.as_deref();
        if let Some(p) = params {
            // Built already when the dispatcher looked for `_meta`.
            if let Some(m) = req.index().call(p) {
                let raw = |v: Option<&'a str>| match v {
                    None => Ok(None),
                    Some(v) => params::raw_member(v)
                        .map_or_else(|| serde_json::from_str(v), Ok)
                        .map(Some),
                };
                if let (Ok(arguments), Ok(task)) = (raw(m.arguments), raw(m.task)) {
                    return Ok(CallParams {
                        name: Cow::Borrowed(m.name),
                        arguments,
                        task,
                    });
                }
            }
        }
        parse(params)
    }
}

async fn call_tool(d: &Dispatcher, req: &Request, ctx: &Context) -> Result<MethodResult, Error> {
    let params = req.params.as_deref();
    let p = CallParams::read(req)?;
    // `arguments` that is not an object fails `CallToolRequest` itself: a protocol error.
    // Values the tool's schema rejects stay tool errors (below), for the model to fix.
    if p.arguments
        .is_some_and(|a| !a.get().trim_start().starts_with('{'))
    {
        return Err(ArgumentsNotObject {}.into());
    }
    let catalog = d.server.tools.load_full();
    // A tool gated on an extension the client did not declare does not exist for it.
    let entry = catalog
        .get(&p.name)
        .filter(|e| e.offered_to(ctx.client_capabilities()) && d.server.is_visible(ctx, e))
        .ok_or_else(|| Error::invalid_params(format!("Unknown tool: {}", p.name)))?;
    if let Some(tasks) = &d.server.tasks {
        if let tasks::Plan::Task { ttl_ms } =
            tasks::plan(ctx, &entry.name, entry.task_support, p.task)?
        {
            // Boxed: the task path's state would otherwise be part of every plain call's
            // future (see `route`).
            let task = Box::pin(tasks::call_as_task(
                tasks,
                ctx,
                entry,
                params,
                p.arguments,
                ttl_ms,
            ));
            let outcome = match task.await? {
                tasks::TaskCall::Answer(result) => return Ok(result),
                tasks::TaskCall::Immediate(outcome) => outcome,
            };
            return finish(tool_outcome(&entry.name, outcome), ctx);
        }
    }
    if let Err(message) = entry.validate(p.arguments) {
        return finish(Ok(CallToolResult::error(message)), ctx);
    }
    // A proxied tool without layers answers the remote's bytes. Boxed, as above.
    #[cfg(feature = "proxy")]
    if let crate::server::Handler::Forward(remote) = &entry.handler {
        return Box::pin(call_remote(remote, ctx, &entry.name, params, &p)).await;
    }
    let call = ToolCall {
        ctx: ctx.clone(),
        tool: entry.name.clone(),
        args: p.arguments.map(RawValue::to_owned),
        principal: None,
        as_task: false,
    };
    let target = mrtr::Target {
        method: "tools/call",
        name: &p.name,
        arguments: p.arguments,
    };
    let run = CatchUnwind(entry.call(call));
    let outcome = match mrtr::drive(ctx, params, target, run).await? {
        Driven::InputRequired(result) => return Ok(result),
        // Results are shaped as the output schema says ({"result": ..} for non-objects).
        Driven::Done(outcome) => tool_outcome(&entry.name, outcome).map(|r| entry.shape(r)),
    };
    drop(catalog);
    finish(outcome, ctx)
}

/// Calls a proxied tool: the remote's result goes out as it came when the eras agree.
#[cfg(feature = "proxy")]
async fn call_remote(
    remote: &crate::proxy::RemoteTool,
    ctx: &Context,
    tool: &std::sync::Arc<str>,
    params: Option<&RawValue>,
    p: &CallParams<'_>,
) -> Result<MethodResult, Error> {
    use crate::proxy::Forwarded;
    // What is left is waiting for the remote and copying its answer (the stdio transport
    // then keeps the request on its reading task).
    crate::transport::only_waits();
    let target = mrtr::Target {
        method: "tools/call",
        name: &p.name,
        arguments: p.arguments,
    };
    let run = CatchUnwind(Box::pin(remote.call(ctx, p.arguments, false)));
    // Only 2026 calls have input rounds to drive (`drive` just awaits the others). Boxed:
    // their state made every proxied call's future ~3.8 KiB, past the sizes glibc's
    // thread cache serves, so each call took `malloc`'s slow path.
    let driven = if ctx.era() == Era::Sessionless {
        Box::pin(mrtr::drive(ctx, params, target, run)).await?
    } else {
        Driven::Done(run.await)
    };
    let outcome = match driven {
        Driven::InputRequired(result) => return Ok(result),
        Driven::Done(Ok(outcome)) => outcome,
        Driven::Done(Err(panic)) => return finish(tool_outcome(tool, Err(panic)), ctx),
    };
    match outcome {
        Ok(Forwarded::Raw { body, typed }) => {
            let bytes = Box::<str>::from(body).into_string().into_bytes();
            Ok(if typed {
                MethodResult::Raw(bytes)
            } else {
                MethodResult::Complete(bytes)
            })
        }
        Ok(Forwarded::Result(result)) => finish(Ok(result), ctx),
        Err(e) => finish(Err(e), ctx),
    }
}

/// A panic in a plain call is a tool error the model sees.
fn tool_outcome(tool: &str, outcome: Result<ToolOutcome, String>) -> ToolOutcome {
    outcome.unwrap_or_else(|panic| {
        tracing::error!(tool, %panic, "tool panicked");
        Ok(CallToolResult::error(format!(
            "Tool `{tool}` panicked: {panic}"
        )))
    })
}

fn finish(outcome: Result<CallToolResult, Error>, ctx: &Context) -> Result<MethodResult, Error> {
    let era = ctx.era();
    let result = match outcome {
        Ok(result) => result,
        // A tool error from anywhere in the call (e.g. an extractor) is for the model.
        Err(e) if e.kind() == ErrorKind::Tool => CallToolResult::error(e.message()),
        Err(e) if e.kind() == ErrorKind::MissingCapability && era == Era::Session => {
            CallToolResult::error(e.message())
        }
        Err(e) => return Err(e),
    };
    // Encoded straight into the response: no result buffer to allocate and copy.
    let fields = super::era::complete_fields(era);
    let response = jsonrpc::result_response_writing(&ctx.scope.id, fields, |out| {
        encode::call_tool_result(out, &result)
    })?;
    Ok(MethodResult::Response(response))
}
