//! Why a request was refused before (or instead of) running a handler, one type per
//! reason, each deciding how it reaches the client (axum's `extract::rejection`).
//!
//! | Rejection | Reaches the client as |
//! |---|---|
//! | [`ArgumentsNotObject`] | JSON-RPC `-32602` (the request is not a `CallToolRequest`) |
//! | [`InvalidToolArguments`] | a tool error (`isError: true`): the model can fix its call |
//! | [`InvalidPromptArguments`] | JSON-RPC `-32602` |
//! | [`InvalidUriVariable`] | JSON-RPC `-32602`, `data.uri` |
//! | [`MissingState`] | JSON-RPC `-32603` (a server bug; `build()` catches it for `#[tool]`, `#[resource]` and `#[prompt]` handlers) |
//! | [`MissingCapability`] | `-32021` from 2026-07-28; a tool error (tools) or `-32600` before |
//! | [`InvalidRequestState`] | JSON-RPC `-32602` |
//! | [`ConflictingInputResponse`] | JSON-RPC `-32602` |
//!
//! Every rejection converts into [`Error`](crate::Error); [`Error::rejection`](crate::Error::rejection) gets it back, so a
//! middleware, a test or your own extractor can match on the reason rather than on a
//! message:
//!
//! ```
//! use mcp_runtime::extract::rejection::MissingCapability;
//! use mcp_runtime::{Error, ErrorKind};
//!
//! let e: Error = MissingCapability::new("sampling").into();
//! assert_eq!(e.kind(), ErrorKind::MissingCapability);
//! assert_eq!(e.rejection::<MissingCapability>().unwrap().capability, "sampling");
//! ```
//!
//! Your own [`FromContext`](crate::FromContext) extractors return any [`Error`](crate::Error); define
//! a rejection type for them the same way (implement [`Rejection`] and `Display`) to let
//! callers match on it.

use crate::error::ErrorKind;

/// A typed reason for refusing a request; [`KIND`](Self::KIND) decides how it reaches
/// the client (see [`ErrorKind`]).
pub trait Rejection: std::error::Error + Send + Sync + 'static {
    /// How the rejection reaches the client.
    const KIND: ErrorKind;
}

define_rejection! {
    #[kind = InvalidParams]
    #[body = "Invalid params: tools/call `arguments` must be an object"]
    /// `tools/call` with `arguments` that is not a JSON object (`"arguments": "oops"`):
    /// the request does not satisfy `CallToolRequest`, so it is a protocol error.
    /// (`null` counts as absent.)
    pub struct ArgumentsNotObject {}
}

define_rejection! {
    #[kind = Tool]
    #[body = "Invalid arguments for tool `{tool}`: {detail}"]
    /// The arguments do not fit the tool's parameters or its input schema (a missing
    /// required argument, a wrong type, a value out of range). A tool error, so the
    /// model sees the message and can correct its call.
    pub struct InvalidToolArguments {
        /// The tool's name.
        pub tool: String,
        /// What is wrong, naming the argument.
        pub detail: String,
    }
}

define_rejection! {
    #[kind = InvalidParams]
    #[body = "Invalid arguments for prompt `{prompt}`: {detail}"]
    /// A prompt argument is missing or does not convert to its parameter's type.
    pub struct InvalidPromptArguments {
        /// The prompt's name.
        pub prompt: String,
        /// What is wrong, naming the argument.
        pub detail: String,
    }
}

define_rejection! {
    #[kind = InvalidParams]
    #[body = "Invalid URI variable `{variable}` in {uri}: {detail}"]
    /// A URI template variable does not convert to its parameter's type
    /// (`notes://{id}` with `id: u32` read as `notes://abc`).
    pub struct InvalidUriVariable {
        /// The variable.
        pub variable: String,
        /// The URI that was read.
        pub uri: String,
        /// Why the value does not convert.
        pub detail: String,
    }
}

define_rejection! {
    #[kind = Internal]
    #[body = "State<{type_name}> was requested but never registered: call `.state(value)` on the server builder"]
    /// `State<T>` was extracted but no `T` was registered with
    /// [`ServerBuilder::state`](crate::ServerBuilder::state). A server bug, not the
    /// client's: [`ServerBuilder::build`](crate::ServerBuilder::build) refuses to build a
    /// server whose `#[tool]`, `#[resource]` or `#[prompt]` handlers need missing state,
    /// so only tools added at run time can still meet it.
    pub struct MissingState {
        /// `std::any::type_name` of the missing type.
        pub type_name: &'static str,
    }
}

define_rejection! {
    #[kind = MissingCapability]
    #[body = "Missing required client capability: {capability}"]
    /// The handler asked the client for something (sampling, elicitation, roots) the
    /// client did not declare. `-32021` in the 2026-07-28 era; in the session era a tool
    /// error for tools and `-32600` for other requests.
    pub struct MissingCapability {
        /// The capability, e.g. `sampling`.
        pub capability: String,
    }
}

define_rejection! {
    #[kind = InvalidParams]
    #[body = "Invalid requestState: {reason}"]
    /// A `requestState` that is malformed, tampered with, sealed by another key, expired,
    /// or bound to another request.
    pub struct InvalidRequestState {
        /// Why it was refused.
        pub reason: &'static str,
    }
}

define_rejection! {
    #[kind = InvalidParams]
    #[body = "Invalid params: inputResponses[\"{key}\"] differs from the answer sealed in requestState (an answer cannot change once given; retry without requestState to start over)"]
    /// A retry's `inputResponses` changes an answer already sealed in `requestState`:
    /// answers cannot change once given (retry without `requestState` to start over).
    pub struct ConflictingInputResponse {
        /// The input key.
        pub key: String,
    }
}

impl MissingCapability {
    /// The rejection for `capability`.
    pub fn new(capability: impl Into<String>) -> Self {
        MissingCapability {
            capability: capability.into(),
        }
    }
}

impl MissingState {
    /// The rejection for a missing `T`.
    pub fn of<T>() -> Self {
        MissingState {
            type_name: std::any::type_name::<T>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::protocol::Era;

    /// The table in the module docs, checked.
    #[test]
    fn each_rejection_reaches_the_client_as_documented() {
        let code = |e: Error, era| e.to_error_object(era).code;
        let s = |v: &str| v.to_owned();
        assert_eq!(code(ArgumentsNotObject {}.into(), Era::Session), -32602);
        let tool = InvalidToolArguments {
            tool: s("add"),
            detail: s("missing required argument `b`"),
        };
        assert_eq!(Error::from(tool.clone()).kind(), ErrorKind::Tool);
        assert_eq!(
            tool.to_string(),
            "Invalid arguments for tool `add`: missing required argument `b`"
        );
        let prompt = InvalidPromptArguments {
            prompt: s("p"),
            detail: s("x"),
        };
        assert_eq!(code(prompt.into(), Era::Sessionless), -32602);
        let var = InvalidUriVariable {
            variable: s("id"),
            uri: s("notes://x"),
            detail: s("bad"),
        };
        assert_eq!(code(var.into(), Era::Session), -32602);
        assert_eq!(code(MissingState::of::<u8>().into(), Era::Session), -32603);
        assert_eq!(
            MissingState::of::<u8>().to_string(),
            "State<u8> was requested but never registered: call `.state(value)` on the server builder"
        );
        let cap = || Error::from(MissingCapability::new("sampling"));
        assert_eq!(code(cap(), Era::Sessionless), -32021);
        assert_eq!(code(cap(), Era::Session), -32600);
        let state = InvalidRequestState { reason: "expired" };
        assert_eq!(code(state.into(), Era::Sessionless), -32602);
        let conflict = ConflictingInputResponse { key: s("who") };
        assert_eq!(code(conflict.into(), Era::Sessionless), -32602);
    }

    #[test]
    fn errors_give_their_rejection_back() {
        let e: Error = MissingState::of::<String>().into();
        assert_eq!(
            e.rejection::<MissingState>(),
            Some(&MissingState::of::<String>())
        );
        assert!(e.rejection::<MissingCapability>().is_none());
        assert!(Error::tool("x").rejection::<MissingState>().is_none());
    }
}
