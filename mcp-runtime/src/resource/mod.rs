//! Reading resources: the request handed to generated code, return-value conversion,
//! list functions for templates, and [`SafePath`].

mod contents;
pub mod probe;
mod safe_path;

use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;

pub use contents::{Blob, Contents, IntoResourceContents, NotFound, Text};
pub(crate) use safe_path::screen;
pub use safe_path::{SafePath, UnsafePath};

use crate::error::Error;
use crate::extract::rejection::InvalidUriVariable;
use crate::extract::Context;
use crate::protocol::{ReadResourceResult, Resource};
use crate::tool::BoxFuture;
use crate::wire_arg::WireError;

/// What a resource read produced.
pub type ReadOutcome = Result<ReadResourceResult, Error>;
/// Reads a resource.
pub type ReadFn = fn(ResourceRequest) -> BoxFuture<'static, ReadOutcome>;
/// Lists the concrete resources of a template.
pub type ListFn = fn(Context) -> BoxFuture<'static, Result<Vec<Resource>, Error>>;

/// One `resources/read`: the context, the requested URI and the template variables.
pub struct ResourceRequest {
    pub(crate) ctx: Context,
    pub(crate) uri: Arc<str>,
    pub(crate) vars: Vec<(String, String)>,
    pub(crate) mime_type: Option<Arc<str>>,
}

impl ResourceRequest {
    /// The request context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The URI being read, exactly as the client sent it.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// A template variable's percent-decoded value, if present in the URI.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The MIME type declared on the resource.
    pub fn declared_mime_type(&self) -> Option<&str> {
        self.mime_type.as_deref()
    }

    /// The error for a variable that could not become its parameter.
    #[doc(hidden)]
    pub fn __wire_error(&self, name: &str, e: WireError) -> Error {
        match e {
            WireError::Extract(e) => e,
            WireError::Missing => Error::resource_not_found(&*self.uri),
            WireError::Invalid(detail) => Error::from(InvalidUriVariable {
                variable: name.to_owned(),
                uri: self.uri.to_string(),
                detail,
            })
            .with_data(serde_json::json!({ "uri": &*self.uri })),
        }
    }

    /// Converts a handler's return value.
    #[doc(hidden)]
    pub fn __finish<R: IntoResourceContents>(&self, value: R) -> ReadOutcome {
        value
            .into_contents(&self.uri, self.mime_type.as_deref())
            .map(|contents| ReadResourceResult { contents })
    }
}

/// A template's list function: `fn() -> R`, `async fn() -> R` or
/// `async fn(Context) -> R`, where `R` is `Vec<Resource>` or a `Result` of it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot list resources",
    note = "a list function is `fn() -> R`, `async fn() -> R` or `async fn(Context) -> R` where R is Vec<Resource> or Result<Vec<Resource>, E>"
)]
pub trait Lister<M>: Send + Sync + 'static {
    /// Lists the resources.
    fn list(&self, ctx: Context) -> BoxFuture<'static, Result<Vec<Resource>, Error>>;
}

/// What a list function returns.
pub trait IntoResourceList {
    /// Converts the value.
    fn into_resource_list(self) -> Result<Vec<Resource>, Error>;
}

impl IntoResourceList for Vec<Resource> {
    fn into_resource_list(self) -> Result<Vec<Resource>, Error> {
        Ok(self)
    }
}

impl<E: Display + 'static> IntoResourceList for Result<Vec<Resource>, E> {
    fn into_resource_list(self) -> Result<Vec<Resource>, Error> {
        self.map_err(
            |e| match (&e as &dyn std::any::Any).downcast_ref::<Error>() {
                Some(err) => err.clone(),
                None => Error::internal(e.to_string()),
            },
        )
    }
}

#[doc(hidden)]
pub struct SyncList;
#[doc(hidden)]
pub struct AsyncList;
#[doc(hidden)]
pub struct AsyncListCtx;

impl<F, R> Lister<(SyncList, R)> for F
where
    F: Fn() -> R + Send + Sync + 'static,
    R: IntoResourceList,
{
    fn list(&self, _ctx: Context) -> BoxFuture<'static, Result<Vec<Resource>, Error>> {
        Box::pin(std::future::ready(self().into_resource_list()))
    }
}

impl<F, Fut> Lister<(AsyncList, Fut)> for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoResourceList,
{
    fn list(&self, _ctx: Context) -> BoxFuture<'static, Result<Vec<Resource>, Error>> {
        let fut = self();
        Box::pin(async move { fut.await.into_resource_list() })
    }
}

impl<F, Fut> Lister<(AsyncListCtx, Fut)> for F
where
    F: Fn(Context) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoResourceList,
{
    fn list(&self, ctx: Context) -> BoxFuture<'static, Result<Vec<Resource>, Error>> {
        let fut = self(ctx);
        Box::pin(async move { fut.await.into_resource_list() })
    }
}

/// Runs a list function (used by generated code).
#[doc(hidden)]
pub fn run_lister<M, F: Lister<M>>(
    f: F,
    ctx: Context,
) -> BoxFuture<'static, Result<Vec<Resource>, Error>> {
    f.list(ctx)
}

/// Marker for parameters of a `#[resource]` that are not template variables: they must
/// be extractors. Exists for its diagnostic.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither a variable of the resource's URI template nor an extractor",
    label = "not a URI variable, and not an extractor",
    note = "name the parameter after a template variable (`{{id}}` binds `id: u64`), or use an extractor (Context, State<T>, ... implement `mcpserve::FromContext`)"
)]
pub trait ResourceExtractor: crate::FromContext {}

#[diagnostic::do_not_recommend]
impl<T: crate::FromContext> ResourceExtractor for T {}

/// Builds a non-variable resource parameter (generated code).
#[doc(hidden)]
pub async fn extract_resource_param<T: ResourceExtractor>(ctx: &Context) -> Result<T, Error> {
    T::from_context(ctx).await
}

/// Builds a destructured (extractor-only) parameter (generated code).
#[doc(hidden)]
pub async fn extract_param<T: crate::FromContext>(ctx: &Context) -> Result<T, Error> {
    T::from_context(ctx).await
}
