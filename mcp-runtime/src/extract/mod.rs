//! Extractors: parameter types filled from the request rather than from the arguments.
//!
//! Any type implementing [`FromContext`] can appear as a parameter of a `#[tool]`; it is
//! left out of the input schema and built from the [`Context`] for every call.

mod context;
pub(crate) mod state;

use std::future::Future;

pub(crate) use context::RequestScope;
pub use context::{Context, ProgressAmount, ProgressMessage};
pub use state::State;
pub use tokio_util::sync::CancellationToken;

use crate::error::Error;

/// A parameter type built from the request context instead of the arguments.
///
/// ```
/// use mcp_runtime::{Context, Error, FromContext};
///
/// /// The caller's client name, or "unknown".
/// struct ClientName(String);
///
/// impl FromContext for ClientName {
///     async fn from_context(ctx: &Context) -> Result<Self, Error> {
///         Ok(ClientName(ctx.client_info().map_or("unknown".into(), |i| i.name.clone())))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor",
    label = "not an extractor",
    note = "extractors implement `mcpserve::FromContext`; built-in ones are Context, State<T> and CancellationToken",
    note = "next to an `#[arg(flatten)]` parameter, other parameters must be extractors: move arguments into the flattened struct",
    note = "a destructuring pattern can only bind an extractor: take an argument as `name: {Self}`"
)]
pub trait FromContext: Sized + Send {
    /// Builds the value; an error aborts the call with that error.
    fn from_context(ctx: &Context) -> impl Future<Output = Result<Self, Error>> + Send;
}

impl FromContext for Context {
    async fn from_context(ctx: &Context) -> Result<Self, Error> {
        Ok(ctx.clone())
    }
}

impl FromContext for CancellationToken {
    async fn from_context(ctx: &Context) -> Result<Self, Error> {
        Ok(ctx.cancellation_token().clone())
    }
}
