//! Argument completion (`completion/complete`) for prompt arguments and template variables.

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

use crate::error::Error;
use crate::extract::Context;
use crate::protocol::Completion;
use crate::tool::BoxFuture;

/// Most values one completion result may carry.
pub const MAX_COMPLETIONS: usize = 100;

/// What a completer is asked: the argument, its partial value, the other arguments the
/// client already filled in (`context.arguments`) and the request context.
pub struct CompletionRequest {
    pub(crate) ctx: Context,
    pub(crate) argument: Arc<str>,
    pub(crate) value: String,
    pub(crate) arguments: HashMap<String, String>,
}

impl CompletionRequest {
    /// The partial value typed so far.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The name of the argument being completed.
    pub fn argument_name(&self) -> &str {
        &self.argument
    }

    /// Another argument's value, if the client sent it in `context.arguments`.
    pub fn argument(&self, name: &str) -> Option<&str> {
        self.arguments.get(name).map(String::as_str)
    }

    /// All already-filled arguments.
    pub fn arguments(&self) -> &HashMap<String, String> {
        &self.arguments
    }

    /// The request context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }
}

/// A completer's result: a list of values, a [`Completion`], or a `Result` of those.
/// Lists longer than 100 are cut to 100 with `total` and `hasMore` set.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a completer",
    note = "return Vec<String>, Vec<&str>, Completion, or a Result of one of these"
)]
pub trait IntoCompletion {
    /// Converts the value.
    fn into_completion(self) -> Result<Completion, Error>;
}

impl IntoCompletion for Completion {
    fn into_completion(self) -> Result<Completion, Error> {
        Ok(self)
    }
}

impl IntoCompletion for Vec<String> {
    fn into_completion(self) -> Result<Completion, Error> {
        Ok(Completion {
            values: self,
            total: None,
            has_more: None,
        })
    }
}

impl IntoCompletion for Vec<&str> {
    fn into_completion(self) -> Result<Completion, Error> {
        self.into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
            .into_completion()
    }
}

impl<T: IntoCompletion, E: Display + 'static> IntoCompletion for Result<T, E> {
    fn into_completion(self) -> Result<Completion, Error> {
        match self {
            Ok(v) => v.into_completion(),
            Err(e) => Err(match (&e as &dyn std::any::Any).downcast_ref::<Error>() {
                Some(err) => err.clone(),
                None => Error::internal(e.to_string()),
            }),
        }
    }
}

/// Caps the values at [`MAX_COMPLETIONS`], keeping `total`/`hasMore` truthful.
pub(crate) fn cap(mut c: Completion) -> Completion {
    if c.values.len() > MAX_COMPLETIONS {
        c.total = Some(c.total.unwrap_or(c.values.len() as u64));
        c.values.truncate(MAX_COMPLETIONS);
        c.has_more = Some(true);
    }
    c
}

/// Values of `all` starting with `prefix` (case-insensitively), for enum arguments.
pub(crate) fn filter_prefix(all: &[String], prefix: &str) -> Completion {
    let p = prefix.to_lowercase();
    let values: Vec<String> = all
        .iter()
        .filter(|v| v.to_lowercase().starts_with(&p))
        .cloned()
        .collect();
    let total = values.len() as u64;
    cap(Completion {
        values,
        total: Some(total),
        has_more: Some(false),
    })
}

/// A completion function as generated code stores it.
pub type CompleteFn = fn(CompletionRequest) -> BoxFuture<'static, Result<Completion, Error>>;

/// Functions usable as `#[arg(complete = f)]`:
/// `fn(&str) -> R`, `fn(&CompletionRequest) -> R`, or `async fn(CompletionRequest) -> R`,
/// where `R: IntoCompletion`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a completer",
    note = "a completer is `fn(&str) -> R`, `fn(&CompletionRequest) -> R` or `async fn(CompletionRequest) -> R` where R is Vec<String>, Vec<&str>, Completion or a Result of one"
)]
pub trait Completer<M>: Send + Sync + 'static {
    /// Runs the completer.
    fn run(&self, req: CompletionRequest) -> BoxFuture<'static, Result<Completion, Error>>;
}

#[doc(hidden)]
pub struct ByValue;
#[doc(hidden)]
pub struct ByRequest;
#[doc(hidden)]
pub struct Async;

impl<F, R> Completer<(ByValue, R)> for F
where
    F: Fn(&str) -> R + Send + Sync + 'static,
    R: IntoCompletion,
{
    fn run(&self, req: CompletionRequest) -> BoxFuture<'static, Result<Completion, Error>> {
        Box::pin(std::future::ready(self(&req.value).into_completion()))
    }
}

impl<F, R> Completer<(ByRequest, R)> for F
where
    F: Fn(&CompletionRequest) -> R + Send + Sync + 'static,
    R: IntoCompletion,
{
    fn run(&self, req: CompletionRequest) -> BoxFuture<'static, Result<Completion, Error>> {
        Box::pin(std::future::ready(self(&req).into_completion()))
    }
}

impl<F, Fut> Completer<(Async, Fut)> for F
where
    F: Fn(CompletionRequest) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoCompletion,
{
    fn run(&self, req: CompletionRequest) -> BoxFuture<'static, Result<Completion, Error>> {
        let fut = self(req);
        Box::pin(async move { fut.await.into_completion() })
    }
}

/// Runs `f` as a completer (used by generated code).
#[doc(hidden)]
pub fn run_completer<M, F: Completer<M>>(
    f: F,
    req: CompletionRequest,
) -> BoxFuture<'static, Result<Completion, Error>> {
    f.run(req)
}
