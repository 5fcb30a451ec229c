//! The framework's error type.
//!
//! One type serves handlers and startup: its [`ErrorKind`] decides whether a handler's
//! error becomes a tool execution error (`isError: true`, visible to the model) or a
//! JSON-RPC error, and which code each protocol era uses for it.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::extract::rejection::{self, Rejection};
use crate::protocol::{code, Era, ErrorObject};

/// Convenience alias used throughout the framework.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, which decides how the error reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A handler failed; reported as a tool execution error (`isError: true`).
    Tool,
    /// The request is not valid in the current state (`-32600`).
    InvalidRequest,
    /// The request's parameters are invalid (`-32602`).
    InvalidParams,
    /// A resource does not exist (`-32002` in the session era, `-32602` from 2026-07-28).
    ResourceNotFound,
    /// The method does not exist (`-32601`).
    MethodNotFound,
    /// The request needs a client capability the client did not declare (`-32021`).
    MissingCapability,
    /// The requested protocol version is not supported (`-32022`).
    UnsupportedVersion,
    /// The request was cancelled; no response is sent.
    Cancelled,
    /// The operation needs an authenticated caller (`-32010`; HTTP 401 with `Auth`).
    Unauthorized,
    /// The caller's token lacks scopes the operation needs (`-32011`; HTTP 403 with an
    /// `insufficient_scope` challenge with `Auth`). `data.scope` names all of them.
    InsufficientScope,
    /// Something broke inside the server (`-32603`).
    Internal,
    /// The server could not be built or started (never sent to a client).
    Startup,
    /// Reading or writing the transport failed.
    Io,
    /// A JSON-RPC error another server answered (through a proxy), kept with its code.
    Remote(i64),
}

/// The framework's error.
#[derive(Clone)]
pub struct Error {
    kind: ErrorKind,
    message: Cow<'static, str>,
    data: Option<Value>,
    /// The typed rejection this error was made from, if any.
    rejection: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error with the given kind and message.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind,
            message: message.into(),
            data: None,
            rejection: None,
        }
    }

    /// The error a typed [`Rejection`] becomes (what its `From` impl calls).
    pub fn from_rejection<R: Rejection>(rejection: R) -> Self {
        Error {
            kind: R::KIND,
            message: rejection.to_string().into(),
            data: None,
            rejection: Some(Arc::new(rejection)),
        }
    }

    /// The typed rejection this error was made from, if it is an `R`
    /// (see [`extract::rejection`](crate::extract::rejection)).
    pub fn rejection<R: Rejection>(&self) -> Option<&R> {
        let r: &(dyn std::error::Error + 'static) = self.rejection.as_deref()?;
        r.downcast_ref::<R>()
    }

    /// A tool execution error: the model sees the message and can react to it.
    pub fn tool(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Tool, message)
    }

    /// Invalid parameters (`-32602`).
    pub fn invalid_params(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidParams, message)
    }

    /// A resource was not found; the error carries the URI as `data.uri`.
    pub fn resource_not_found(uri: impl Into<String>) -> Self {
        let uri = uri.into();
        Self::new(
            ErrorKind::ResourceNotFound,
            format!("Resource not found: {uri}"),
        )
        .with_data(serde_json::json!({ "uri": uri }))
    }

    /// An internal error (`-32603`).
    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// The client lacks a capability the request needs, e.g. `"sampling"`.
    pub fn missing_capability(capability: &str) -> Self {
        Self::from(rejection::MissingCapability::new(capability))
            .with_data(serde_json::json!({ "requiredCapabilities": { capability: {} } }))
    }

    /// The operation needs an authenticated caller.
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }

    /// The caller lacks scopes: `scopes` are all the scopes the operation needs (one
    /// challenge, not one scope at a time), carried as `data.scope`.
    pub fn insufficient_scope<'a>(scopes: impl IntoIterator<Item = &'a str>) -> Self {
        let mut all: Vec<&str> = scopes.into_iter().collect();
        all.sort_unstable();
        all.dedup();
        let scope = all.join(" ");
        Self::new(
            ErrorKind::InsufficientScope,
            format!("Forbidden: insufficient scope; this operation needs `{scope}`"),
        )
        .with_data(serde_json::json!({ "error": "insufficient_scope", "scope": scope }))
    }

    /// A startup/configuration error.
    pub fn startup(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Startup, message)
    }

    /// Attaches structured data (sent as `error.data`).
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The structured data, if any.
    pub fn data(&self) -> Option<&Value> {
        self.data.as_ref()
    }

    /// The JSON-RPC error object this error becomes in the given era.
    pub fn to_error_object(&self, era: Era) -> ErrorObject {
        let code = match self.kind {
            ErrorKind::InvalidParams => code::INVALID_PARAMS,
            ErrorKind::InvalidRequest => code::INVALID_REQUEST,
            ErrorKind::ResourceNotFound => match era {
                Era::Session => code::RESOURCE_NOT_FOUND,
                Era::Sessionless => code::INVALID_PARAMS,
            },
            ErrorKind::MethodNotFound => code::METHOD_NOT_FOUND,
            ErrorKind::Unauthorized => code::UNAUTHORIZED,
            ErrorKind::InsufficientScope => code::INSUFFICIENT_SCOPE,
            ErrorKind::UnsupportedVersion => code::UNSUPPORTED_PROTOCOL_VERSION,
            ErrorKind::Remote(c) => c,
            ErrorKind::MissingCapability => match era {
                Era::Sessionless => code::MISSING_CLIENT_CAPABILITY,
                Era::Session => code::INVALID_REQUEST,
            },
            _ => code::INTERNAL_ERROR,
        };
        ErrorObject {
            code,
            message: self.message.to_string(),
            data: self.data.clone(),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.rejection
            .as_deref()
            .map(|r| r as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, e.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::internal(e.to_string())
    }
}
