//! Elicitation: asking the user, through the client, for a flat form
//! (`#[derive(Elicit)]`) or to visit a URL.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{capability, Ask};
use crate::error::Error;
use crate::extract::Context;
use crate::protocol::jsonrpc;
use crate::protocol::Era;

/// Building blocks for `#[derive(Elicit)]`; not a stable API.
#[doc(hidden)]
pub mod derive;

/// What the user did with an elicitation.
#[derive(Debug, Clone, PartialEq)]
pub enum Elicitation<T> {
    /// The user submitted the form (or agreed to open the URL).
    Accepted(T),
    /// The user explicitly declined.
    Declined,
    /// The user dismissed the request without choosing.
    Cancelled,
}

impl<T> Elicitation<T> {
    /// The accepted value, if any.
    pub fn accepted(self) -> Option<T> {
        match self {
            Elicitation::Accepted(v) => Some(v),
            _ => None,
        }
    }

    /// The accepted value, or a tool error saying the user declined or cancelled.
    pub fn required(self) -> Result<T, Error> {
        match self {
            Elicitation::Accepted(v) => Ok(v),
            Elicitation::Declined => Err(Error::tool("The user declined the request")),
            Elicitation::Cancelled => Err(Error::tool("The user cancelled the request")),
        }
    }
}

/// A type the user can fill in as a form. Derive it: `#[derive(Deserialize, Elicit)]`.
///
/// The derive accepts only flat structs of strings, numbers, integers, booleans,
/// unit-variant enums (single select) and `Vec`s of such enums (multi select), optionally
/// wrapped in `Option`; anything else is a compile error.
pub trait Elicit: DeserializeOwned + Send + 'static {
    /// The `requestedSchema` of the form.
    fn requested_schema() -> Value;
}

/// Accepted URL-mode elicitation. Call [`complete`](Self::complete) when the
/// out-of-band interaction finished, so the client can retry what depended on it.
#[derive(Clone)]
pub struct UrlElicitation {
    id: Option<String>,
    conn: Option<std::sync::Arc<crate::dispatch::Connection>>,
}

impl std::fmt::Debug for UrlElicitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UrlElicitation")
            .field("id", &self.id)
            .finish()
    }
}

impl PartialEq for UrlElicitation {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl UrlElicitation {
    /// The `elicitationId` sent to the client (session era only).
    pub fn elicitation_id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Sends `notifications/elicitation/complete` (session era; the 2026 era has no such
    /// notification and this does nothing). Returns whether it was sent.
    pub async fn complete(&self) -> bool {
        match (&self.id, &self.conn) {
            (Some(id), Some(conn)) => {
                conn.out
                    .send(jsonrpc::notification(
                        "notifications/elicitation/complete",
                        &json!({ "elicitationId": id }),
                    ))
                    .await
            }
            _ => false,
        }
    }
}

#[derive(Deserialize)]
struct ElicitResult {
    action: String,
    #[serde(default)]
    content: Option<Value>,
}

fn outcome<T>(
    answer: Value,
    accept: impl FnOnce(Option<Value>) -> Result<T, Error>,
) -> Result<Elicitation<T>, Error> {
    let result: ElicitResult = serde_json::from_value(answer).map_err(|e| {
        Error::tool(format!(
            "The client sent an invalid elicitation result: {e}"
        ))
    })?;
    match result.action.as_str() {
        "accept" => accept(result.content).map(Elicitation::Accepted),
        "decline" => Ok(Elicitation::Declined),
        "cancel" => Ok(Elicitation::Cancelled),
        other => Err(Error::tool(format!(
            "The client sent an unknown elicitation action `{other}`"
        ))),
    }
}

/// Form mode: plain `elicitation: {}` or an explicit `form` member.
fn supports_form(ctx: &Context) -> bool {
    match capability(ctx, "elicitation") {
        Some(Value::Object(m)) => m.contains_key("form") || !m.contains_key("url"),
        Some(_) => true,
        None => false,
    }
}

fn supports_url(ctx: &Context) -> bool {
    capability(ctx, "elicitation").is_some_and(|c| c.get("url").is_some())
}

impl Context {
    /// Asks the user to fill in a form shaped like `T` (form mode). Fails with a
    /// missing-capability error when the client did not declare form elicitation.
    ///
    /// ```ignore
    /// match ctx.elicit::<Confirm>("Really delete?").await? {
    ///     Elicitation::Accepted(c) if c.proceed => { /* ... */ }
    ///     _ => return Ok("kept".into()),
    /// }
    /// ```
    pub fn elicit<T: Elicit>(&self, message: impl Into<String>) -> Ask<Elicitation<T>> {
        let params = if supports_form(self) {
            Ok(json!({
                "mode": "form",
                "message": message.into(),
                "requestedSchema": T::requested_schema(),
            }))
        } else {
            Err(Error::missing_capability("elicitation"))
        };
        Ask::new(
            self,
            "elicitation",
            "elicitation/create",
            params,
            |answer, _| {
                outcome(answer, |content| {
                    let content = content.unwrap_or_else(|| Value::Object(Map::new()));
                    serde_json::from_value(content).map_err(|e| {
                        Error::tool(format!("The user's answer does not fit the form: {e}"))
                    })
                })
            },
        )
    }

    /// Asks the user to visit `url` (URL mode, for sensitive input that must not pass
    /// through the client). Fails with a missing-capability error unless the client
    /// declared `elicitation.url`.
    pub fn elicit_url(
        &self,
        url: impl Into<String>,
        message: impl Into<String>,
    ) -> Ask<Elicitation<UrlElicitation>> {
        let session_era = self.era() == Era::Session;
        let id = session_era.then(new_elicitation_id);
        let params = if supports_url(self) {
            let mut p = json!({ "mode": "url", "message": message.into(), "url": url.into() });
            if let Some(id) = &id {
                p["elicitationId"] = json!(id);
            }
            Ok(p)
        } else {
            Err(Error::missing_capability("elicitation")
                .with_data(json!({ "requiredCapabilities": { "elicitation": { "url": {} } } })))
        };
        let conn = self.scope.conn().cloned();
        Ask::new(
            self,
            "elicitation",
            "elicitation/create",
            params,
            move |answer, _| outcome(answer, |_| Ok(UrlElicitation { id, conn })),
        )
    }
}

fn new_elicitation_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
