//! Sampling: asking the client's model for a completion.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{capability, Ask};
use crate::error::Error;
use crate::extract::Context;
use crate::protocol::types::{Role, Tool};

/// One message of a sampling conversation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SamplingMessage {
    /// Who said it.
    pub role: Role,
    /// A content block (`{"type":"text","text":..}`, image, audio, tool use/result), or
    /// an array of them.
    pub content: Value,
}

impl SamplingMessage {
    /// A user message with one text block.
    pub fn user(text: impl Into<String>) -> Self {
        SamplingMessage {
            role: Role::User,
            content: json!({ "type": "text", "text": text.into() }),
        }
    }

    /// An assistant message with one text block.
    pub fn assistant(text: impl Into<String>) -> Self {
        SamplingMessage {
            role: Role::Assistant,
            content: json!({ "type": "text", "text": text.into() }),
        }
    }
}

/// What to sample from: one user text, or a whole conversation.
#[derive(Debug, Clone)]
pub struct SamplingPrompt(Vec<SamplingMessage>);

impl From<&str> for SamplingPrompt {
    fn from(text: &str) -> Self {
        SamplingPrompt(vec![SamplingMessage::user(text)])
    }
}

impl From<String> for SamplingPrompt {
    fn from(text: String) -> Self {
        SamplingPrompt(vec![SamplingMessage::user(text)])
    }
}

impl From<Vec<SamplingMessage>> for SamplingPrompt {
    fn from(messages: Vec<SamplingMessage>) -> Self {
        SamplingPrompt(messages)
    }
}

/// How the model may use the tools offered in [`SamplingOptions::tools`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolChoice {
    /// The model decides.
    Auto,
    /// The model must call at least one tool.
    Required,
    /// The model must not call tools.
    None,
}

/// Options of a sampling request. `SamplingOptions::default()` asks for up to 1000 tokens.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SamplingOptions {
    /// Upper bound on generated tokens.
    pub max_tokens: u32,
    /// System prompt the client may use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Sequences that stop generation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
    /// Model preferences (`hints`, priorities), passed through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_preferences: Option<Value>,
    /// Tools the model may call (needs the client's `sampling.tools` capability).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Tool>,
    /// How the tools may be used.
    #[serde(skip)]
    pub tool_choice: Option<ToolChoice>,
}

impl Default for SamplingOptions {
    fn default() -> Self {
        SamplingOptions {
            max_tokens: 1000,
            system_prompt: None,
            temperature: None,
            stop_sequences: Vec::new(),
            model_preferences: None,
            tools: Vec::new(),
            tool_choice: None,
        }
    }
}

impl SamplingOptions {
    /// Sets `maxTokens`.
    pub fn max_tokens(mut self, n: u32) -> Self {
        self.max_tokens = n;
        self
    }

    /// Sets the system prompt.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }

    /// Sets the temperature.
    pub fn temperature(mut self, t: f64) -> Self {
        self.temperature = Some(t);
        self
    }

    /// Offers a tool to the model.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }

    /// Sets how tools may be used.
    pub fn tool_choice(mut self, choice: ToolChoice) -> Self {
        self.tool_choice = Some(choice);
        self
    }
}

/// The client's answer to a sampling request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SampledMessage {
    /// Normally `assistant`.
    pub role: Role,
    /// A content block or an array of them.
    pub content: Value,
    /// The model that produced it.
    pub model: String,
    /// Why generation stopped (`endTurn`, `maxTokens`, `toolUse`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
}

impl SampledMessage {
    /// The text blocks, joined.
    pub fn text(&self) -> String {
        let blocks: Vec<&Value> = match &self.content {
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("")
    }
}

impl Context {
    /// Asks the client's model to respond to `prompt` (a user text or a conversation).
    /// Fails with a missing-capability error when the client did not declare `sampling`
    /// (or `sampling.tools` when tools are offered).
    pub fn sample(
        &self,
        prompt: impl Into<SamplingPrompt>,
        options: SamplingOptions,
    ) -> Ask<SampledMessage> {
        let params = sampling_params(self, prompt.into(), options);
        Ask::new(
            self,
            "sampling",
            "sampling/createMessage",
            params,
            |answer, _| {
                serde_json::from_value(answer).map_err(|e| {
                    Error::tool(format!("The client sent an invalid sampling result: {e}"))
                })
            },
        )
    }
}

fn sampling_params(
    ctx: &Context,
    prompt: SamplingPrompt,
    options: SamplingOptions,
) -> Result<Value, Error> {
    let Some(caps) = capability(ctx, "sampling") else {
        return Err(Error::missing_capability("sampling"));
    };
    let wants_tools = !options.tools.is_empty() || options.tool_choice.is_some();
    if wants_tools && caps.get("tools").is_none() {
        return Err(Error::missing_capability("sampling")
            .with_data(json!({ "requiredCapabilities": { "sampling": { "tools": {} } } })));
    }
    let mut params = serde_json::to_value(&options)?;
    params["messages"] = serde_json::to_value(prompt.0)?;
    if let Some(choice) = options.tool_choice {
        params["toolChoice"] = json!({ "mode": choice });
    }
    Ok(params)
}
