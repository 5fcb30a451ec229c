//! Extractors: parameter types filled from the request rather than from the arguments.
//!
//! Any type implementing [`FromContext`] can appear as a parameter of a `#[tool]`; it is
//! left out of the input schema and built from the [`Context`] for every call.

mod cancel;
mod context;
pub mod rejection;
pub(crate) mod state;

use std::future::Future;

pub(crate) use cancel::{CancelSlot, Canceller};
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

    /// Declares what the extractor needs from the server, checked once by
    /// [`ServerBuilder::build`](crate::ServerBuilder::build) for every `#[tool]`,
    /// `#[resource]` and `#[prompt]` that takes it, so a missing piece fails at startup,
    /// naming the handler, instead of on every call. The default needs nothing; an
    /// extractor built on state registered with `.state(..)` declares it:
    ///
    /// ```
    /// use mcp_runtime::extract::Requirements;
    /// use mcp_runtime::{Context, Error, FromContext};
    ///
    /// #[derive(Clone)]
    /// struct Pool;
    ///
    /// /// A connection from the registered pool.
    /// struct Conn;
    ///
    /// impl FromContext for Conn {
    ///     async fn from_context(ctx: &Context) -> Result<Self, Error> {
    ///         ctx.state::<Pool>().map(|_| Conn).ok_or_else(|| Error::internal("no pool"))
    ///     }
    ///     fn requirements(needs: &mut Requirements) {
    ///         needs.state::<Pool>();
    ///     }
    /// }
    /// ```
    fn requirements(needs: &mut Requirements) {
        let _ = needs;
    }
}

/// What a handler's extractors need from the server (see
/// [`FromContext::requirements`]); generated code collects it per handler.
#[derive(Debug, Default)]
pub struct Requirements {
    states: Vec<(std::any::TypeId, &'static str)>,
}

impl Requirements {
    /// The handler needs a `T` registered with [`ServerBuilder::state`](crate::ServerBuilder::state).
    pub fn state<T: 'static>(&mut self) {
        let id = std::any::TypeId::of::<T>();
        if !self.states.iter().any(|(t, _)| *t == id) {
            self.states.push((id, std::any::type_name::<T>()));
        }
    }

    /// The names of the needed state types `registered` lacks.
    pub(crate) fn missing_states(&self, registered: &state::Extensions) -> Vec<&'static str> {
        self.states
            .iter()
            .filter(|(id, _)| !registered.contains(*id))
            .map(|(_, name)| *name)
            .collect()
    }
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
