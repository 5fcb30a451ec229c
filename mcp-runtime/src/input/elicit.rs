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
        Some(Value::Object(m)) => m.is_empty() || m.contains_key("form") || !m.contains_key("url"),
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
        let conn = self.scope.conn.clone();
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

/// Building blocks for `#[derive(Elicit)]`; not a stable API.
#[doc(hidden)]
pub mod derive {
    use serde_json::{json, Map, Value};

    /// Per-field options collected by the derive.
    #[derive(Default)]
    pub struct FieldOpts {
        /// `title`.
        pub title: Option<&'static str>,
        /// `description`.
        pub description: Option<&'static str>,
        /// `format` (strings).
        pub format: Option<&'static str>,
        /// `default`.
        pub default: Option<Value>,
        /// `minimum` (numbers).
        pub minimum: Option<f64>,
        /// `maximum` (numbers).
        pub maximum: Option<f64>,
        /// `minLength` (strings).
        pub min_length: Option<u64>,
        /// `maxLength` (strings).
        pub max_length: Option<u64>,
        /// `minItems` (multi select).
        pub min_items: Option<u64>,
        /// `maxItems` (multi select).
        pub max_items: Option<u64>,
        /// Titled enums in the legacy `enumNames` form.
        pub enum_names: bool,
    }

    /// A type that can be one field of an elicitation form.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a field of an elicitation form",
        label = "not a flat form field",
        note = "forms hold only String, bool, integers, floats, unit-variant enums deriving `Elicit`, `Vec` of such enums, and `Option` of any of these"
    )]
    pub trait ElicitField {
        /// Whether the field is required.
        const REQUIRED: bool = true;
        /// The field's schema.
        fn schema(opts: &FieldOpts) -> Value;
    }

    /// A unit-variant enum usable as a (single or multi) select.
    pub trait ElicitEnum {
        /// `(wire value, title)` per variant.
        const VARIANTS: &'static [(&'static str, Option<&'static str>)];
    }

    /// Fields a `format`, `minLength` or `maxLength` applies to.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a string field",
        note = "`format`, `min_length` and `max_length` apply to String fields only"
    )]
    pub trait StringField {}
    impl StringField for String {}
    impl StringField for Option<String> {}

    /// Fields `minimum` and `maximum` apply to.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a number field",
        note = "`minimum` and `maximum` apply to integer and float fields only"
    )]
    pub trait NumberField {}

    /// Checks at compile time that `T` is a string field.
    pub fn assert_string<T: StringField>() {}
    /// Checks at compile time that `T` is a number field.
    pub fn assert_number<T: NumberField>() {}

    fn common(mut schema: Map<String, Value>, o: &FieldOpts) -> Value {
        if let Some(t) = o.title {
            schema.insert("title".into(), json!(t));
        }
        if let Some(d) = o.description {
            schema.insert("description".into(), json!(d));
        }
        if let Some(d) = &o.default {
            schema.insert("default".into(), d.clone());
        }
        Value::Object(schema)
    }

    fn typed(ty: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("type".into(), json!(ty));
        m
    }

    impl ElicitField for String {
        fn schema(o: &FieldOpts) -> Value {
            let mut m = typed("string");
            if let Some(f) = o.format {
                m.insert("format".into(), json!(f));
            }
            if let Some(v) = o.min_length {
                m.insert("minLength".into(), json!(v));
            }
            if let Some(v) = o.max_length {
                m.insert("maxLength".into(), json!(v));
            }
            common(m, o)
        }
    }

    impl ElicitField for bool {
        fn schema(o: &FieldOpts) -> Value {
            common(typed("boolean"), o)
        }
    }

    fn number(ty: &str, o: &FieldOpts) -> Value {
        let mut m = typed(ty);
        if let Some(v) = o.minimum {
            m.insert("minimum".into(), json!(v));
        }
        if let Some(v) = o.maximum {
            m.insert("maximum".into(), json!(v));
        }
        common(m, o)
    }

    macro_rules! numbers {
        ($kind:literal: $($t:ty),*) => {$(
            impl ElicitField for $t {
                fn schema(o: &FieldOpts) -> Value { number($kind, o) }
            }
            impl NumberField for $t {}
            impl NumberField for Option<$t> {}
        )*};
    }
    numbers!("integer": i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);
    numbers!("number": f32, f64);

    impl<T: ElicitField> ElicitField for Option<T> {
        const REQUIRED: bool = false;
        fn schema(o: &FieldOpts) -> Value {
            T::schema(o)
        }
    }

    /// A single-select schema: `enum`, titled `oneOf`, or legacy `enumNames`.
    pub fn single_select(variants: &[(&str, Option<&str>)], o: &FieldOpts) -> Value {
        let mut m = typed("string");
        let titled = variants.iter().any(|(_, t)| t.is_some());
        let values: Vec<&str> = variants.iter().map(|(v, _)| *v).collect();
        if titled && !o.enum_names {
            let one_of: Vec<Value> = variants
                .iter()
                .map(|(v, t)| json!({ "const": v, "title": t.unwrap_or(v) }))
                .collect();
            m.insert("oneOf".into(), json!(one_of));
        } else {
            m.insert("enum".into(), json!(values));
            if o.enum_names {
                let names: Vec<&str> = variants.iter().map(|(v, t)| t.unwrap_or(v)).collect();
                m.insert("enumNames".into(), json!(names));
            }
        }
        common(m, o)
    }

    /// A multi-select schema: `items.enum`, or titled `items.anyOf`.
    pub fn multi_select(variants: &[(&str, Option<&str>)], o: &FieldOpts) -> Value {
        let mut m = typed("array");
        let titled = variants.iter().any(|(_, t)| t.is_some());
        let items = if titled {
            let any_of: Vec<Value> = variants
                .iter()
                .map(|(v, t)| json!({ "const": v, "title": t.unwrap_or(v) }))
                .collect();
            json!({ "anyOf": any_of })
        } else {
            let values: Vec<&str> = variants.iter().map(|(v, _)| *v).collect();
            json!({ "type": "string", "enum": values })
        };
        if let Some(v) = o.min_items {
            m.insert("minItems".into(), json!(v));
        }
        if let Some(v) = o.max_items {
            m.insert("maxItems".into(), json!(v));
        }
        m.insert("items".into(), items);
        common(m, o)
    }

    impl<E: ElicitEnum> ElicitField for Vec<E> {
        fn schema(o: &FieldOpts) -> Value {
            multi_select(E::VARIANTS, o)
        }
    }

    /// Assembles the form schema from `(name, schema, required)` per field.
    pub fn object(fields: Vec<(&'static str, Value, bool)>) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for (name, schema, req) in fields {
            if req {
                required.push(json!(name));
            }
            properties.insert(name.to_owned(), schema);
        }
        let mut m = Map::new();
        m.insert("type".into(), json!("object"));
        m.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            m.insert("required".into(), Value::Array(required));
        }
        Value::Object(m)
    }

    /// Serializes a default value.
    pub fn default_value<T: serde::Serialize>(v: T) -> Option<Value> {
        serde_json::to_value(v).ok()
    }
}
