//! Multi round-trip requests (2026-07-28): the handler asks for input; when an answer is
//! not in the retry's `inputResponses` (or the sealed `requestState`), the ask registers
//! itself and never resolves. The driver notices, drops the handler and answers with an
//! `InputRequiredResult` listing every pending ask. The client retries with the answers
//! and the handler runs again from the top, this time finding them.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio::sync::Notify;

use super::state::{self, Binding};
use crate::dispatch::MethodResult;
use crate::error::Error;
use crate::extract::rejection::ConflictingInputResponse;
use crate::extract::Context;
use crate::protocol::Era;

/// The inputs of one request run: answers available, asks still pending.
pub(crate) struct InputScope {
    answers: Map<String, Value>,
    used: Mutex<Map<String, Value>>,
    pending: Mutex<Vec<(String, Value)>>,
    asked: Notify,
    counter: AtomicU32,
    invalid: Mutex<Option<Error>>,
}

impl InputScope {
    /// The next automatic key: `<kind>_<n>`, counted per run so re-runs reproduce it.
    pub(crate) fn auto_key(&self, kind: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{kind}_{n}")
    }

    /// The answer for `key`, or registers the request and waits forever (the driver
    /// drops the handler once it notices).
    pub(crate) async fn ask(&self, key: String, method: &str, params: Value) -> Value {
        if let Some(answer) = self.answers.get(&key) {
            self.used
                .lock()
                .expect("inputs lock")
                .insert(key, answer.clone());
            return answer.clone();
        }
        {
            let mut pending = self.pending.lock().expect("inputs lock");
            if !pending.iter().any(|(k, _)| *k == key) {
                let request = serde_json::json!({ "method": method, "params": params });
                pending.push((key, request));
            }
        }
        self.asked.notify_one();
        std::future::pending().await
    }

    /// Records an answer that could not be understood; the request then fails with
    /// `-32602` whatever the handler makes of it.
    pub(crate) fn reject(&self, error: Error) {
        self.invalid
            .lock()
            .expect("inputs lock")
            .get_or_insert(error);
    }
}

/// How a driven handler ended.
pub(crate) enum Driven<T> {
    /// It finished.
    Done(T),
    /// It needs input first; the result is a ready `InputRequiredResult`.
    InputRequired(MethodResult),
}

/// What identifies the request the handler serves, so a `requestState` cannot be
/// replayed on another one.
pub(crate) struct Target<'a> {
    /// `tools/call`, `prompts/get` or `resources/read`.
    pub(crate) method: &'a str,
    /// The tool or prompt name, or the resource URI.
    pub(crate) name: &'a str,
    /// The arguments, if any.
    pub(crate) arguments: Option<&'a RawValue>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RetryParams {
    #[serde(default)]
    input_responses: Option<Value>,
    #[serde(default)]
    request_state: Option<String>,
}

/// Runs a handler future for a request that may ask the client for input. In the
/// session era asks are real server-to-client requests and this only awaits `fut`; in
/// the 2026 era it resolves asks from the retry's `inputResponses` and `requestState`
/// and turns unanswered asks into an `InputRequiredResult`.
///
/// `fut` must not have been polled: the handler's asks see the inputs installed here.
pub(crate) async fn drive<T>(
    ctx: &Context,
    params: Option<&RawValue>,
    target: Target<'_>,
    fut: impl Future<Output = T>,
) -> Result<Driven<T>, Error> {
    if ctx.era() != Era::Sessionless {
        return Ok(Driven::Done(fut.await));
    }
    let scope = install(ctx, params, &target)?;
    let mut fut = pin!(fut);
    let out = tokio::select! {
        biased;
        out = &mut fut => out,
        // Boxed: a round of asks is rare, and its state held inline made every call's
        // future (and so every request's) ≈370 bytes larger.
        _ = scope.asked.notified() => {
            return Box::pin(settle(ctx, &scope, &target, fut, None)).await;
        }
    };
    let invalid = scope.invalid.lock().expect("inputs lock").take();
    match invalid {
        Some(error) => Err(error),
        None => Ok(Driven::Done(out)),
    }
}

/// Where a task-capable call stands after its handler's first poll (2026 era).
pub(crate) enum Started<F: Future> {
    /// It finished, or asked for input before waiting on anything else.
    Settled(Driven<F::Output>),
    /// It is waiting on something other than input: from here on it runs as a task.
    Suspended(F),
}

/// Polls a handler once with the request's inputs installed (2026 era): input asked
/// before the handler first waits on anything else is gathered synchronously, with
/// `input_required` rounds, before the call may become a task.
pub(crate) async fn start<F: Future + Unpin>(
    ctx: &Context,
    params: Option<&RawValue>,
    target: Target<'_>,
    mut fut: F,
) -> Result<Started<F>, Error> {
    let scope = install(ctx, params, &target)?;
    let first = std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut fut).poll(cx))).await;
    let out = match first {
        Poll::Ready(out) => Some(out),
        Poll::Pending if scope.pending.lock().expect("inputs lock").is_empty() => {
            if let Some(error) = scope.invalid.lock().expect("inputs lock").take() {
                return Err(error);
            }
            return Ok(Started::Suspended(fut));
        }
        Poll::Pending => None,
    };
    settle(ctx, &scope, &target, Pin::new(&mut fut), out)
        .await
        .map(Started::Settled)
}

/// Installs the inputs of this round (from `requestState` and `inputResponses`).
fn install(
    ctx: &Context,
    params: Option<&RawValue>,
    target: &Target<'_>,
) -> Result<Arc<InputScope>, Error> {
    let server = ctx.scope.server();
    // First calls carry neither key (the request's params index says so): no second
    // pass over their arguments.
    let retry: RetryParams = match params.filter(|_| ctx.scope.may_retry) {
        Some(raw) => serde_json::from_str(raw.get())
            .map_err(|e| Error::invalid_params(format!("Invalid params: {e}")))?,
        None => RetryParams::default(),
    };
    let binding = binding(ctx, target);
    let mut answers = match &retry.request_state {
        Some(s) => state::open(&server.state_key, &binding, s)?,
        None => Map::new(),
    };
    match retry.input_responses {
        None | Some(Value::Null) => {}
        Some(Value::Object(responses)) => {
            for (key, response) in responses {
                if !response.is_object() {
                    return Err(Error::invalid_params(format!(
                        "Invalid params: inputResponses[\"{key}\"] must be an object (the client's result for that input request)"
                    )));
                }
                // Sealed answers win: a retry may repeat one, never change it (a changed
                // answer would meet code that already ran on the old one).
                match answers.get(&key) {
                    Some(sealed) if *sealed != response => {
                        return Err(ConflictingInputResponse { key }.into());
                    }
                    Some(_) => {}
                    None => {
                        answers.insert(key, response);
                    }
                }
            }
        }
        Some(_) => {
            return Err(Error::invalid_params(
                "Invalid params: inputResponses must be an object",
            ))
        }
    }
    let scope = Arc::new(InputScope {
        answers,
        used: Mutex::default(),
        pending: Mutex::default(),
        asked: Notify::new(),
        counter: AtomicU32::new(0),
        invalid: Mutex::default(),
    });
    if ctx.scope.inputs.set(scope.clone()).is_err() {
        return Err(Error::internal("request inputs installed twice"));
    }
    Ok(scope)
}

/// What a `requestState` is sealed to: the request, and who made it.
fn binding<'a>(ctx: &'a Context, target: &Target<'a>) -> Binding<'a> {
    Binding {
        method: target.method,
        target: target.name,
        arguments: target.arguments,
        owner: ctx.principal().map(|p| p.owner_key()),
    }
}

/// After the handler finished (`out`) or asked: gives asks joined with the first one the
/// chance to register, then answers with the handler's output or an
/// `InputRequiredResult` listing every pending ask.
async fn settle<F: Future>(
    ctx: &Context,
    scope: &InputScope,
    target: &Target<'_>,
    mut fut: Pin<&mut F>,
    out: Option<F::Output>,
) -> Result<Driven<F::Output>, Error> {
    let server = ctx.scope.server();
    let out = match out {
        Some(out) => Some(out),
        None => {
            let mut done = None;
            for _ in 0..4 {
                tokio::task::yield_now().await;
                if let Poll::Ready(v) =
                    std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await
                {
                    done = Some(v);
                    break;
                }
            }
            done
        }
    };
    if let Some(error) = scope.invalid.lock().expect("inputs lock").take() {
        return Err(error);
    }
    if let Some(out) = out {
        return Ok(Driven::Done(out));
    }
    let pending = std::mem::take(&mut *scope.pending.lock().expect("inputs lock"));
    let requests: Map<String, Value> = pending.into_iter().collect();
    let carried = std::mem::take(&mut *scope.used.lock().expect("inputs lock"));
    let state = state::seal(
        &server.state_key,
        &binding(ctx, target),
        server.config.request_state_ttl,
        carried,
    );
    let body = serde_json::json!({
        "resultType": "input_required",
        "inputRequests": requests,
        "requestState": state,
    });
    Ok(Driven::InputRequired(MethodResult::Raw(
        serde_json::to_vec(&body)?,
    )))
}
