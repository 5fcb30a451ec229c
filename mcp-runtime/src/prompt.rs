//! Getting prompts: the call handed to generated code and return-value conversion.

use std::any::Any;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Display;
use std::sync::Arc;

use crate::error::{Error, ErrorKind};
use crate::extract::rejection::InvalidPromptArguments;
use crate::extract::Context;
use crate::protocol::{GetPromptResult, PromptMessage};
use crate::tool::BoxFuture;
use crate::wire_arg::WireError;

/// What rendering a prompt produced.
pub type PromptOutcome = Result<GetPromptResult, Error>;
/// Renders a prompt.
pub type GetFn = fn(PromptCall) -> BoxFuture<'static, PromptOutcome>;

/// One `prompts/get`: the context, the prompt's name and its string arguments.
pub struct PromptCall {
    pub(crate) ctx: Context,
    pub(crate) name: Arc<str>,
    pub(crate) args: HashMap<String, String>,
}

impl PromptCall {
    /// The request context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The prompt's name.
    pub fn prompt_name(&self) -> &str {
        &self.name
    }

    /// An argument's value, if the client sent it.
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args.get(name).map(String::as_str)
    }

    /// The error for an argument that could not become its parameter (`-32602`).
    #[doc(hidden)]
    pub fn __wire_error(&self, name: &str, e: WireError) -> Error {
        match e {
            WireError::Extract(e) => e,
            WireError::Missing => InvalidPromptArguments {
                prompt: self.name.to_string(),
                detail: format!("missing required argument `{name}`"),
            }
            .into(),
            WireError::Invalid(msg) => InvalidPromptArguments {
                prompt: self.name.to_string(),
                detail: format!("`{name}`: {msg}"),
            }
            .into(),
        }
    }
}

/// A value a prompt can return: text (one user message), a [`PromptMessage`], a
/// `Vec<PromptMessage>`, a [`GetPromptResult`], or a `Result` of those.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a prompt",
    label = "not convertible into prompt messages",
    note = "return String, PromptMessage, Vec<PromptMessage>, GetPromptResult, or a Result of one of these with an error that implements Display"
)]
pub trait IntoPromptResult {
    /// Converts the value.
    fn into_prompt_result(self) -> PromptOutcome;
}

impl IntoPromptResult for GetPromptResult {
    fn into_prompt_result(self) -> PromptOutcome {
        Ok(self)
    }
}

impl IntoPromptResult for Vec<PromptMessage> {
    fn into_prompt_result(self) -> PromptOutcome {
        Ok(GetPromptResult {
            description: None,
            messages: self,
        })
    }
}

impl IntoPromptResult for PromptMessage {
    fn into_prompt_result(self) -> PromptOutcome {
        vec![self].into_prompt_result()
    }
}

impl IntoPromptResult for String {
    fn into_prompt_result(self) -> PromptOutcome {
        PromptMessage::user(self).into_prompt_result()
    }
}

impl IntoPromptResult for &'static str {
    fn into_prompt_result(self) -> PromptOutcome {
        PromptMessage::user(self).into_prompt_result()
    }
}

impl IntoPromptResult for Cow<'static, str> {
    fn into_prompt_result(self) -> PromptOutcome {
        PromptMessage::user(self.into_owned()).into_prompt_result()
    }
}

impl<T: IntoPromptResult, E: Display + 'static> IntoPromptResult for Result<T, E> {
    fn into_prompt_result(self) -> PromptOutcome {
        match self {
            Ok(v) => v.into_prompt_result(),
            Err(e) => Err(match (&e as &dyn Any).downcast_ref::<Error>() {
                Some(err) if err.kind() == ErrorKind::Tool => {
                    Error::internal(err.message().to_owned())
                }
                Some(err) => err.clone(),
                None => Error::internal(e.to_string()),
            }),
        }
    }
}

/// Converts a prompt's return value (generated code calls it spanned at the return type).
#[doc(hidden)]
pub fn into_prompt_result<R: IntoPromptResult>(value: R) -> PromptOutcome {
    value.into_prompt_result()
}
