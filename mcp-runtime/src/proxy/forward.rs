//! Forwarding one request to the remote on behalf of a caller: the caller's era,
//! capabilities, log level and progress token go along; what the remote sends about the
//! request comes back to the caller through its [`Context`], whatever era each side
//! speaks.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::Upstream;
use crate::client::{Incoming, RequestOptions};
use crate::error::{Error, ErrorKind};
use crate::extract::Context;
use crate::protocol::types::{CallToolResult, LoggingLevel};
use crate::protocol::{code, Era, ErrorObject};

/// Input rounds of one forwarded request before giving up.
const MAX_ROUNDS: usize = 16;

/// Why a forwarded request has no result.
pub(crate) enum Failure {
    /// The remote answered a JSON-RPC error.
    Rpc(ErrorObject),
    /// The remote could not be reached or the connection broke.
    Unavailable(String),
    /// Answering the remote's request through the caller failed (a missing capability,
    /// cancellation).
    Local(Error),
}

impl Failure {
    /// The error the caller gets (`uri`: the resource a `resources/read` asked for).
    pub(crate) fn into_error(self, upstream: &Upstream, method: &str, uri: Option<&str>) -> Error {
        match self {
            Failure::Rpc(e) => from_remote(e, method, uri),
            Failure::Unavailable(why) => Error::internal(upstream.unavailable(&why)),
            Failure::Local(e) => e,
        }
    }
}

/// The caller's view of a remote's JSON-RPC error: the same code, translated where the
/// eras differ (resource not found).
pub(crate) fn from_remote(e: ErrorObject, method: &str, uri: Option<&str>) -> Error {
    let data_uri = e
        .data
        .as_ref()
        .and_then(|d| d.get("uri"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let not_found = method == "resources/read"
        && (e.code == code::RESOURCE_NOT_FOUND
            || (e.code == code::INVALID_PARAMS && data_uri.is_some()));
    if not_found {
        let uri = data_uri
            .or_else(|| uri.map(str::to_owned))
            .unwrap_or_default();
        return Error::resource_not_found(uri);
    }
    let kind = match e.code {
        code::INVALID_PARAMS => ErrorKind::InvalidParams,
        code::METHOD_NOT_FOUND => ErrorKind::MethodNotFound,
        code::INVALID_REQUEST => ErrorKind::InvalidRequest,
        code::MISSING_CLIENT_CAPABILITY => ErrorKind::MissingCapability,
        code::INTERNAL_ERROR => ErrorKind::Internal,
        other => ErrorKind::Remote(other),
    };
    let error = Error::new(kind, e.message);
    match e.data {
        Some(data) => error.with_data(data),
        None => error,
    }
}

/// One request to forward: its params (without `_meta`) as JSON members, and what the
/// 2026 HTTP headers mirror.
pub(crate) struct Call<'a> {
    pub(crate) method: &'a str,
    /// `"name":"add","arguments":{...}`: the params' members as JSON text.
    pub(crate) members: String,
    pub(crate) name: Option<&'a str>,
    pub(crate) arguments: Option<&'a RawValue>,
    /// Ask the remote to run it as a task (see [`forward_as_task`]).
    pub(crate) as_task: bool,
}

/// `"key":value` as JSON text.
pub(crate) fn member(key: &str, value: &(impl serde::Serialize + ?Sized)) -> String {
    let mut s = serde_json::to_string(key).unwrap_or_default();
    s.push(':');
    s.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "null".into()));
    s
}

/// A remote's answer to a forwarded request: its result object as it came, and the era
/// it was sent in.
pub(crate) struct Answer {
    pub(crate) raw: Box<RawValue>,
    pub(crate) era: Era,
    /// Its `resultType` (read in the 2026 era only).
    pub(crate) result_type: ResultType,
}

/// A proxied tool's result: the remote's bytes when the caller can take them as they
/// are, else a typed result.
pub(crate) enum Forwarded {
    /// The remote's result object, answered unchanged (the response's id is the
    /// caller's, as for any result). `typed`: it carries its own `resultType`.
    Raw { body: Box<RawValue>, typed: bool },
    /// A result the proxy made or translated.
    Result(CallToolResult),
}

impl Forwarded {
    /// The typed result (what layers and tasks see).
    pub(crate) fn into_result(self) -> Result<CallToolResult, Error> {
        match self {
            Forwarded::Result(r) => Ok(r),
            Forwarded::Raw { body, .. } => serde_json::from_str(body.get())
                .map_err(|e| Error::tool(format!("the remote sent an invalid result: {e}"))),
        }
    }
}

/// Sends `call` to the remote for the caller `ctx` and returns the raw result. The
/// remote's input rounds (2026) and requests (session era) are answered by asking the
/// caller.
pub(crate) async fn forward(
    upstream: &Upstream,
    ctx: &Context,
    call: Call<'_>,
) -> Result<Answer, Failure> {
    let client = upstream.client().await.map_err(Failure::Unavailable)?;
    let era = era_for(&client, ctx);
    // The caller's own `_meta` keys travel too (the era's are the proxy's to set).
    let passthrough = Some(ctx.meta()).filter(|m| !m.is_empty());
    let mut retry = String::new();
    for _ in 0..MAX_ROUNDS {
        let members: std::borrow::Cow<'_, str> = if retry.is_empty() {
            std::borrow::Cow::Borrowed(&call.members)
        } else if call.members.is_empty() {
            std::borrow::Cow::Borrowed(&retry)
        } else {
            std::borrow::Cow::Owned(format!("{},{retry}", call.members))
        };
        // `pump` waits on the exchange until its end: no task of its own needed.
        let options = RequestOptions::new()
            .era(era)
            .progress(ctx.progress_token().is_some())
            .inline();
        let modern = era == Era::Sessionless;
        let caps = ctx.client_capabilities();
        // A call the proxy runs as its own task goes out as a plain call: the remote must
        // not turn it into a task of its own because the caller declared the extension;
        // a call the remote only takes as a task declares it whatever the caller did.
        let declared =
            crate::extension::client_settings(caps, crate::tasks::EXTENSION_ID).is_some();
        let adjusted;
        let caps = if modern && call.method == "tools/call" && declared != call.as_task {
            adjusted = with_tasks_extension(caps, call.as_task);
            &adjusted
        } else {
            caps
        };
        let request = crate::client::Request {
            method: call.method,
            members: &members,
            meta: passthrough,
            name: call.name,
            arguments: call.arguments,
            // The caller's own, by reference (2026).
            capabilities: modern.then_some(caps),
            log_level: ctx.log_level().filter(|_| modern),
        };
        let mut exchange = client
            .send_request(request, options)
            .await
            .map_err(|e| Failure::Unavailable(e.to_string()))?;
        let raw = pump(&mut exchange, ctx).await?;
        let result_type = if era == Era::Sessionless {
            result_type(&raw)
        } else {
            ResultType::Absent
        };
        if result_type != ResultType::InputRequired {
            return Ok(Answer {
                raw,
                era,
                result_type,
            });
        }
        // The remote needs input: ask the caller (all at once, so a 2026 caller gets
        // every request in one round), then retry with the answers.
        let body: Value =
            serde_json::from_str(raw.get()).map_err(|e| Failure::Local(Error::from(e)))?;
        // Boxed, as are the rare paths of `pump`: a proxied call's future stays small
        // (see `call_tool`).
        let answered = Box::pin(answer_inputs(ctx, body.get("inputRequests"))).await?;
        retry = member("inputResponses", &answered);
        if let Some(state) = body.get("requestState") {
            retry.push(',');
            retry.push_str(&member("requestState", state));
        }
    }
    Err(Failure::Local(Error::internal(format!(
        "the remote asked for input more than {MAX_ROUNDS} times"
    ))))
}

/// A 2026 result's `resultType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResultType {
    Absent,
    Complete,
    InputRequired,
    Other,
}

/// A 2026 result's `resultType`.
fn result_type(raw: &RawValue) -> ResultType {
    #[derive(serde::Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "resultType", borrow, default)]
        result_type: Option<std::borrow::Cow<'a, str>>,
    }
    match serde_json::from_str::<Kind<'_>>(raw.get()) {
        Ok(k) => match k.result_type.as_deref() {
            None => ResultType::Absent,
            Some("complete") => ResultType::Complete,
            Some("input_required") => ResultType::InputRequired,
            Some(_) => ResultType::Other,
        },
        Err(_) => ResultType::Other,
    }
}

/// The era a request of `ctx` goes out in: the caller's when the remote speaks it.
fn era_for(client: &crate::client::Client, ctx: &Context) -> Era {
    if client.speaks(ctx.era()) {
        ctx.era()
    } else {
        client.era()
    }
}

/// `caps` with the tasks extension declared (`on`) or not.
fn with_tasks_extension(caps: &Value, on: bool) -> Value {
    let mut caps = caps.clone();
    if !caps.is_object() {
        caps = Value::Object(Map::new());
    }
    let ext = caps
        .as_object_mut()
        .expect("an object")
        .entry("extensions")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(ext) = ext {
        if on {
            ext.insert(crate::tasks::EXTENSION_ID.into(), Value::Object(Map::new()));
        } else {
            ext.remove(crate::tasks::EXTENSION_ID);
        }
    }
    caps
}

/// The `_meta` key tying a result to its task.
const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";

/// Longest wait between two `tasks/get` polls of a remote task.
const MAX_POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs a `tools/call` the remote takes only as a task: starts it as one, then follows
/// it to its end (session era: `tasks/result`, which also carries the remote's requests
/// for the caller; 2026: `tasks/get` polls, input rounds answered with `tasks/update`).
/// The caller cancelling cancels the remote task.
pub(crate) async fn forward_as_task(
    upstream: &Upstream,
    ctx: &Context,
    mut call: Call<'_>,
) -> Result<Answer, Failure> {
    let client = upstream.client().await.map_err(Failure::Unavailable)?;
    let era = era_for(&client, ctx);
    call.as_task = true;
    if era == Era::Session {
        call.members.push_str(r#","task":{}"#);
    }
    let created = forward(upstream, ctx, call).await?;
    let handle: Value =
        serde_json::from_str(created.raw.get()).map_err(|e| Failure::Local(Error::from(e)))?;
    let task = match era {
        Era::Session => handle.get("task"),
        Era::Sessionless => Some(&handle).filter(|h| h["resultType"] == "task"),
    };
    // Answered at once (2026: it finished before it had to wait).
    let Some(id) = task.and_then(|t| t.get("taskId")).and_then(Value::as_str) else {
        return Ok(created);
    };
    let id = id.to_owned();
    let task_call = |method: &'static str, extra: &str| Call {
        method,
        members: format!("{}{extra}", member("taskId", &id)),
        name: Some(&id),
        arguments: None,
        as_task: false,
    };
    let follow = async {
        if era == Era::Session {
            let mut done = forward(upstream, ctx, task_call("tasks/result", "")).await?;
            // The remote's task is not the caller's: its `related-task` is dropped.
            if done.raw.get().contains(RELATED_TASK) {
                let mut result: Value = serde_json::from_str(done.raw.get())
                    .map_err(|e| Failure::Local(Error::from(e)))?;
                if let Some(Value::Object(meta)) = result.get_mut("_meta") {
                    meta.remove(RELATED_TASK);
                    if meta.is_empty() {
                        result.as_object_mut().map(|r| r.remove("_meta"));
                    }
                }
                done.raw = serde_json::value::to_raw_value(&result)
                    .map_err(|e| Failure::Local(Error::from(e)))?;
            }
            return Ok(done);
        }
        let mut wait = task
            .and_then(|t| t.get("pollIntervalMs"))
            .and_then(Value::as_u64)
            .map_or(MAX_POLL, std::time::Duration::from_millis)
            .min(MAX_POLL);
        loop {
            let got = forward(upstream, ctx, task_call("tasks/get", "")).await?;
            let state: Value =
                serde_json::from_str(got.raw.get()).map_err(|e| Failure::Local(Error::from(e)))?;
            match state["status"].as_str() {
                Some("completed") => {
                    let raw = serde_json::value::to_raw_value(&state["result"])
                        .map_err(|e| Failure::Local(Error::from(e)))?;
                    return Ok(Answer {
                        raw,
                        era,
                        result_type: ResultType::Absent,
                    });
                }
                Some("failed") => {
                    let error = serde_json::from_value::<ErrorObject>(state["error"].clone())
                        .unwrap_or_else(|_| ErrorObject {
                            code: code::INTERNAL_ERROR,
                            message: "the remote task failed".into(),
                            data: None,
                        });
                    return Err(Failure::Rpc(error));
                }
                Some("cancelled") => {
                    return Err(Failure::Local(Error::new(
                        ErrorKind::Cancelled,
                        "the remote cancelled the task",
                    )))
                }
                Some("input_required") => {
                    let answered = answer_inputs(ctx, state.get("inputRequests")).await?;
                    let extra = format!(",{}", member("inputResponses", &answered));
                    forward(upstream, ctx, task_call("tasks/update", &extra)).await?;
                }
                _ => {}
            }
            if let Some(ms) = state.get("pollIntervalMs").and_then(Value::as_u64) {
                wait = std::time::Duration::from_millis(ms).min(MAX_POLL);
            }
            tokio::time::sleep(wait).await;
        }
    };
    tokio::select! {
        biased;
        answer = follow => answer,
        _ = ctx.cancelled() => {
            // Tell the remote; nobody waits for its acknowledgement.
            if let Ok(client) = upstream.client().await {
                let params = serde_json::json!({ "taskId": id });
                let options = RequestOptions::new().era(era);
                tokio::spawn(async move {
                    let _ = client.raw_request("tasks/cancel", params, options).await;
                });
            }
            Err(Failure::Local(Error::new(ErrorKind::Cancelled, "cancelled")))
        }
    }
}

/// Answers a remote's input requests by asking the caller, all at once.
async fn answer_inputs(
    ctx: &Context,
    requests: Option<&Value>,
) -> Result<Map<String, Value>, Failure> {
    let requests = match requests {
        Some(Value::Object(r)) => r.clone(),
        _ => Map::new(),
    };
    let asks = requests.into_iter().map(|(key, request)| {
        let method = request
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let params = request.get("params").cloned().unwrap_or(Value::Null);
        let ask = ctx.client_request(&method, params).key(key.clone());
        Box::pin(async move { (key, ask.await) })
            as Pin<Box<dyn Future<Output = (String, Result<Value, Error>)> + Send>>
    });
    let mut answered = Map::new();
    for (key, answer) in join_all(asks.collect()).await {
        answered.insert(key, answer.map_err(Failure::Local)?);
    }
    Ok(answered)
}

/// Relays what the remote sends about one request until its result: progress and log
/// messages to the caller, the remote's requests to the caller and back. A caller that
/// cancels ends it at once (dropping the exchange cancels it remotely).
async fn pump(
    exchange: &mut crate::client::Exchange,
    ctx: &Context,
) -> Result<Box<RawValue>, Failure> {
    loop {
        // No cancellation waiter of its own (registering and dropping one was ≈0.4k
        // instructions a call): whoever runs a request polls it again when it is
        // cancelled (the dispatcher and the task runner give a cancelled handler its
        // grace period to wind down), and every poll looks. A finished call does not.
        let event = {
            let mut next = std::pin::pin!(exchange.next());
            std::future::poll_fn(|cx| match next.as_mut().poll(cx) {
                Poll::Ready(event) => Poll::Ready(Some(event)),
                Poll::Pending if ctx.scope.is_cancelled() => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            })
            .await
        };
        let Some(event) = event else {
            return Err(Failure::Local(Error::new(
                ErrorKind::Cancelled,
                "cancelled",
            )));
        };
        match event {
            Incoming::Result(Ok(raw)) => return Ok(raw),
            Incoming::Result(Err(e)) => return Err(Failure::Rpc(e)),
            Incoming::Failed(e) => return Err(Failure::Unavailable(e.to_string())),
            Incoming::Interrupted => {
                // The remote closed the stream early (SSE polling): so does the proxy.
                ctx.close_stream();
            }
            // The rare paths are boxed: their states (an outbound send, an HTTP request to
            // the remote) would otherwise be part of every forwarded call's future.
            Incoming::Notification { method, params } => {
                Box::pin(relay(ctx, &method, params)).await
            }
            Incoming::Request { id, method, params } => {
                let exchange = &*exchange;
                Box::pin(async move {
                    let answer = ctx
                        .client_request(&method, params)
                        .await
                        .map_err(|e| e.to_error_object(Era::Session));
                    exchange
                        .respond(id, answer)
                        .await
                        .map_err(|e| Failure::Unavailable(e.to_string()))
                })
                .await?;
            }
        }
    }
}

/// A request's notification from the remote, passed to the caller.
async fn relay(ctx: &Context, method: &str, params: Value) {
    match method {
        "notifications/progress" => {
            let Some(progress) = params.get("progress").and_then(Value::as_f64) else {
                return;
            };
            let total = params.get("total").and_then(Value::as_f64);
            let message = params
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned);
            ctx.progress(progress, total, message).await;
        }
        "notifications/message" => {
            let level: Option<LoggingLevel> = params
                .get("level")
                .and_then(|l| serde_json::from_value(l.clone()).ok());
            let logger = params.get("logger").and_then(Value::as_str);
            let data = params.get("data").cloned().unwrap_or(Value::Null);
            if let Some(level) = level {
                ctx.log_to(level, logger, data).await;
            }
        }
        _ => {}
    }
}

/// Awaits every future, polling them together.
async fn join_all<T>(mut futures: Vec<Pin<Box<dyn Future<Output = T> + Send>>>) -> Vec<T> {
    let mut done: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (fut, slot) in futures.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match fut.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    done.into_iter()
        .map(|v| v.expect("every future finished"))
        .collect()
}
