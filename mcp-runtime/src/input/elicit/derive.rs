//! What `#[derive(Elicit)]` expands to: field schemas checked through traits, so an
//! unsupported field type is a compile error on that field.

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
