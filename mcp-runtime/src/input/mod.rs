//! Asking the client for input (elicitation, sampling, roots) from inside a handler,
//! written once for both eras: a server-to-client request in the session era, an entry
//! of an `InputRequiredResult` in the 2026 era (see [`mrtr`]).

pub mod elicit;
pub(crate) mod mrtr;
pub(crate) mod progress;
mod roots;
mod sampling;
pub(crate) mod state;

use std::future::IntoFuture;
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use elicit::{Elicit, Elicitation, UrlElicitation};
pub use progress::ClientProgress;
pub use roots::Root;
pub use sampling::{SampledMessage, SamplingMessage, SamplingOptions, SamplingPrompt, ToolChoice};

use crate::dispatch::{Outbound, Session};
use crate::error::{Error, ErrorKind};
use crate::extract::Context;
use crate::protocol::jsonrpc;
use crate::protocol::{Era, RequestId};
use crate::tool::BoxFuture;

type Decode<T> = Box<dyn FnOnce(Value, &Context) -> Result<T, Error> + Send>;

/// A pending request for client input. Await it; [`key`](Self::key) names it.
///
/// In the 2026 era every input of a round is keyed in `inputRequests`; the default key is
/// `<kind>_<n>` (`elicitation_1`, `sampling_2`, `roots_3`: the n-th ask of the request).
#[must_use = "an ask does nothing until awaited"]
pub struct Ask<T> {
    ctx: Context,
    kind: &'static str,
    method: &'static str,
    params: Result<Value, Error>,
    key: Option<String>,
    progress: Option<progress::ProgressFn>,
    decode: Decode<T>,
}

impl<T> Ask<T> {
    pub(crate) fn new(
        ctx: &Context,
        kind: &'static str,
        method: &'static str,
        params: Result<Value, Error>,
        decode: impl FnOnce(Value, &Context) -> Result<T, Error> + Send + 'static,
    ) -> Self {
        Ask {
            ctx: ctx.clone(),
            kind,
            method,
            params,
            key: None,
            progress: None,
            decode: Box::new(decode),
        }
    }

    /// Names this input in `inputRequests` (2026 era). Keys must be unique per request
    /// and stable across retries; without one, the ask's position in the handler is used.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Hears the progress the client reports while it works on this request (session
    /// era: the request carries a `progressToken`, and each report restarts the wait for
    /// the answer, so a client that keeps reporting is not timed out). Reports reach
    /// `on_progress` in order, each higher than the last, also when the client sends them
    /// to another instance of a scaled-out server. In 2026-07-28 clients report no
    /// progress (the revision made it server-to-client only) and it is never called.
    ///
    /// ```no_run
    /// # use mcp_runtime::{ClientProgress, Context, Error};
    /// # async fn demo(ctx: Context) -> Result<(), Error> {
    /// let answer = ctx
    ///     .client_request("sampling/createMessage", serde_json::json!({
    ///         "messages": [], "maxTokens": 500,
    ///     }))
    ///     .on_progress(|p: ClientProgress| {
    ///         tracing::info!(progress = p.progress, total = ?p.total, "the client is sampling");
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn on_progress(
        mut self,
        on_progress: impl Fn(ClientProgress) + Send + Sync + 'static,
    ) -> Self {
        self.progress = Some(std::sync::Arc::new(on_progress));
        self
    }
}

impl<T: Send + 'static> IntoFuture for Ask<T> {
    type Output = Result<T, Error>;
    type IntoFuture = BoxFuture<'static, Result<T, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let Ask {
                ctx,
                kind,
                method,
                params,
                key,
                progress,
                decode,
            } = self;
            let params = params?;
            if let Some(task) = ctx.scope.task.get() {
                let answer =
                    crate::tasks::ask(task, &ctx, kind, method, params, key, progress).await?;
                return decode(answer, &ctx);
            }
            let answer = match ctx.era() {
                Era::Session => {
                    let session = ctx.session().ok_or_else(|| {
                        Error::tool(format!("`{method}` needs an initialized session"))
                    })?;
                    round_trip(
                        session,
                        ctx.scope.out(),
                        method,
                        &params,
                        ctx.scope.server().config.client_request_timeout,
                        ctx.scope.cancel_token(),
                        progress,
                    )
                    .await?
                }
                Era::Sessionless => {
                    let inputs = ctx.scope.inputs.get().cloned().ok_or_else(|| {
                        Error::internal(format!(
                            "`{method}` can only be asked while handling tools/call, prompts/get or resources/read"
                        ))
                    })?;
                    let key = key.unwrap_or_else(|| inputs.auto_key(kind));
                    let answer = inputs.ask(key.clone(), method, params).await;
                    return decode(answer, &ctx).inspect_err(|e| {
                        inputs.reject(Error::invalid_params(format!(
                            "Invalid params: inputResponses[\"{key}\"]: {}",
                            e.message()
                        )))
                    });
                }
            };
            decode(answer, &ctx)
        })
    }
}

/// Sends a request to the client on `out` and waits for its answer, at most `timeout`
/// (restarted by each progress report when `progress` listens for them); a client that
/// never answers gets a `notifications/cancelled` and the handler a clear error instead
/// of a hang.
pub(crate) async fn round_trip(
    session: &Session,
    out: &Outbound,
    method: &str,
    params: &Value,
    timeout: Duration,
    cancel: &CancellationToken,
    progress: Option<progress::ProgressFn>,
) -> Result<Value, Error> {
    let sink = progress.map(progress::ProgressSink::new);
    let (id, mut rx) = session.register_request(sink.clone());
    let message = match &sink {
        Some(_) => jsonrpc::request(&id, method, &progress::with_token(params, &id)),
        None => jsonrpc::request(&id, method, params),
    };
    if !out.send(message).await {
        session.forget_request(&id);
        return Err(Error::tool(format!(
            "`{method}` failed: the client connection is closed"
        )));
    }
    let give_up = |reason: &str| {
        session.forget_request(&id);
        cancel_notice(&id, reason)
    };
    let mut deadline = tokio::time::Instant::now() + timeout;
    loop {
        tokio::select! {
            reply = &mut rx => return client_answer(method, reply),
            _ = tokio::time::sleep_until(deadline) => {
                out.send(give_up("timed out")).await;
                return Err(Error::tool(format!(
                    "The client did not answer `{method}` within {timeout:?}"
                )));
            }
            _ = progress::heard(sink.as_deref()) => {
                deadline = tokio::time::Instant::now() + timeout;
            }
            _ = cancel.cancelled() => {
                out.send(give_up("the originating request was cancelled")).await;
                return Err(Error::new(ErrorKind::Cancelled, "cancelled"));
            }
        }
    }
}

/// The result of a client's reply to a server-to-client request (`Err` from the channel:
/// the connection closed before it answered).
pub(crate) fn client_answer<E>(
    method: &str,
    reply: Result<crate::dispatch::ClientReply, E>,
) -> Result<Value, Error> {
    match reply {
        Ok(Ok(raw)) => serde_json::from_str(raw.get()).map_err(Error::from),
        Ok(Err(e)) => Err(Error::tool(format!(
            "The client refused `{method}` ({}: {})",
            e.code, e.message
        ))),
        Err(_) => Err(Error::tool(format!(
            "`{method}` failed: the client connection is closed"
        ))),
    }
}

fn cancel_notice(id: &RequestId, reason: &str) -> Vec<u8> {
    jsonrpc::notification(
        "notifications/cancelled",
        &serde_json::json!({ "requestId": id, "reason": reason }),
    )
}

impl Context {
    /// Sends the client a request of its own (`sampling/createMessage`,
    /// `elicitation/create`, `roots/list`) with raw params and returns its raw answer:
    /// what the typed [`sample`](Self::sample), [`elicit`](Self::elicit) and
    /// [`roots`](Self::roots) build on, for code that forwards requests it did not write
    /// (a proxy). Both eras, like them: a server-to-client request in the session era, an
    /// entry of an `input_required` result in 2026 (key it with [`Ask::key`]). Fails with
    /// a missing-capability error when the client did not declare what the method needs.
    ///
    /// ```no_run
    /// # async fn demo(ctx: mcp_runtime::Context) -> Result<(), mcp_runtime::Error> {
    /// let answer = ctx
    ///     .client_request("roots/list", serde_json::json!({}))
    ///     .key("roots")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn client_request(&self, method: &str, params: Value) -> Ask<Value> {
        let (kind, method): (&'static str, &'static str) = match method {
            "sampling/createMessage" => ("sampling", "sampling/createMessage"),
            "elicitation/create" => ("elicitation", "elicitation/create"),
            "roots/list" => ("roots", "roots/list"),
            "ping" => ("ping", "ping"),
            other => {
                let e = Error::invalid_params(format!(
                    "`{other}` is not a request a server may send a client"
                ));
                return Ask::new(self, "request", "unknown", Err(e), |v, _| Ok(v));
            }
        };
        let missing = match kind {
            "elicitation" => {
                let url = params.get("mode").and_then(Value::as_str) == Some("url");
                match capability(self, "elicitation") {
                    None => true,
                    Some(c) if url => c.get("url").is_none(),
                    Some(Value::Object(c)) => c.contains_key("url") && !c.contains_key("form"),
                    Some(_) => false,
                }
            }
            "sampling" => match capability(self, "sampling") {
                None => true,
                Some(c) => params.get("tools").is_some() && c.get("tools").is_none(),
            },
            "roots" => capability(self, "roots").is_none(),
            _ => false,
        };
        let params = if missing {
            Err(Error::missing_capability(kind))
        } else {
            Ok(params)
        };
        Ask::new(self, kind, method, params, |v, _| Ok(v))
    }
}

/// The client capability object `caps[name]`, if declared.
pub(crate) fn capability<'a>(ctx: &'a Context, name: &str) -> Option<&'a Value> {
    ctx.client_capabilities().get(name).filter(|v| !v.is_null())
}
