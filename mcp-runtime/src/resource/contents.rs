//! Turning what a resource handler returns into `contents`.

use std::any::Any;
use std::borrow::Cow;
use std::fmt::{self, Display};

use base64::Engine;
use serde::Serialize;

use crate::error::{Error, ErrorKind};
use crate::protocol::{ReadResourceResult, ResourceContents};
use crate::tool::Json;

/// A value a resource can return. `uri` is the URI being read and `mime_type` the one
/// declared on the attribute; implementations use them unless they carry their own.
///
/// Implemented for text (`String`, `&'static str`), bytes (`Vec<u8>`, `bytes::Bytes`,
/// sent base64 as `blob`), [`Json<T>`], [`Text`], [`Blob`], [`ResourceContents`],
/// `Vec` of any of these (several contents), [`ReadResourceResult`] and `Result<T, E>`.
/// A plain `Serialize` struct needs no impl: `#[resource]` sends it as JSON text.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a resource",
    note = "return String, Vec<u8>, bytes::Bytes, Json<T>, Text, Blob, ResourceContents, a Vec of those, any `Serialize` type, or a Result of one of these"
)]
pub trait IntoResourceContents {
    /// Converts the value.
    fn into_contents(
        self,
        uri: &str,
        mime_type: Option<&str>,
    ) -> Result<Vec<ResourceContents>, Error>;
}

fn text(uri: &str, mime_type: Option<&str>, text: String) -> ResourceContents {
    ResourceContents::Text {
        uri: uri.to_owned(),
        mime_type: mime_type.map(str::to_owned),
        text,
        meta: None,
    }
}

fn blob(uri: &str, mime_type: Option<&str>, bytes: &[u8]) -> ResourceContents {
    ResourceContents::Blob {
        uri: uri.to_owned(),
        mime_type: mime_type.map(str::to_owned),
        blob: base64::engine::general_purpose::STANDARD.encode(bytes),
        meta: None,
    }
}

impl IntoResourceContents for String {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        Ok(vec![text(uri, mime, self)])
    }
}

impl IntoResourceContents for &'static str {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        Ok(vec![text(uri, mime, self.to_owned())])
    }
}

impl IntoResourceContents for Cow<'static, str> {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        Ok(vec![text(uri, mime, self.into_owned())])
    }
}

impl IntoResourceContents for Vec<u8> {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        Ok(vec![blob(uri, mime, &self)])
    }
}

impl IntoResourceContents for bytes::Bytes {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        Ok(vec![blob(uri, mime, &self)])
    }
}

impl<T: Serialize> IntoResourceContents for Json<T> {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        let body = serde_json::to_string(&self.0)
            .map_err(|e| Error::internal(format!("failed to serialize resource: {e}")))?;
        Ok(vec![text(
            uri,
            Some(mime.unwrap_or("application/json")),
            body,
        )])
    }
}

impl IntoResourceContents for ResourceContents {
    fn into_contents(self, _: &str, _: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        Ok(vec![self])
    }
}

impl IntoResourceContents for ReadResourceResult {
    fn into_contents(self, _: &str, _: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        Ok(self.contents)
    }
}

impl<T: IntoResourceContents> IntoResourceContents for Vec<T> {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        let mut out = Vec::with_capacity(self.len());
        for item in self {
            out.extend(item.into_contents(uri, mime)?);
        }
        Ok(out)
    }
}

impl<T: IntoResourceContents, E: Display + 'static> IntoResourceContents for Result<T, E> {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        match self {
            Ok(v) => v.into_contents(uri, mime),
            Err(e) => Err(read_error(e, uri)),
        }
    }
}

/// A handler's error: [`NotFound`] becomes "resource not found" for the requested URI,
/// the framework's [`Error`] keeps its kind, anything else is an internal error.
pub(crate) fn read_error<E: Display + 'static>(e: E, uri: &str) -> Error {
    let any = &e as &dyn Any;
    if any.is::<NotFound>() {
        return Error::resource_not_found(uri);
    }
    match any.downcast_ref::<Error>() {
        Some(err) if err.kind() == ErrorKind::Tool => Error::internal(err.message().to_owned()),
        Some(err) => err.clone(),
        None => Error::internal(e.to_string()),
    }
}

/// "No such resource": return `Err(NotFound)` and the client gets the era's
/// resource-not-found error with the requested URI in `data.uri`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotFound;

impl Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("resource not found")
    }
}

impl std::error::Error for NotFound {}

/// Text contents with an explicit MIME type (the URI is filled in).
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    text: String,
    mime_type: Option<String>,
    uri: Option<String>,
}

impl Text {
    /// Text contents.
    pub fn new(text: impl Into<String>) -> Self {
        Text {
            text: text.into(),
            mime_type: None,
            uri: None,
        }
    }

    /// Sets the MIME type (overrides the attribute's).
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// Sets another URI, for one of several contents.
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = Some(uri.into());
        self
    }
}

impl IntoResourceContents for Text {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        let mime = self.mime_type.as_deref().or(mime);
        Ok(vec![text(
            self.uri.as_deref().unwrap_or(uri),
            mime,
            self.text,
        )])
    }
}

/// Binary contents with an explicit MIME type, sent base64-encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Blob {
    bytes: Vec<u8>,
    mime_type: Option<String>,
    uri: Option<String>,
}

impl Blob {
    /// Binary contents.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Blob {
            bytes: bytes.into(),
            mime_type: None,
            uri: None,
        }
    }

    /// Sets the MIME type (overrides the attribute's).
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }

    /// Sets another URI, for one of several contents.
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = Some(uri.into());
        self
    }
}

impl IntoResourceContents for Blob {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        let mime = self.mime_type.as_deref().or(mime);
        Ok(vec![blob(
            self.uri.as_deref().unwrap_or(uri),
            mime,
            &self.bytes,
        )])
    }
}

/// A `Serialize` value as JSON text (`application/json` unless declared otherwise).
pub(crate) fn json_contents<T: Serialize>(
    value: &T,
    uri: &str,
    mime: Option<&str>,
) -> Result<Vec<ResourceContents>, Error> {
    Json(value).into_contents(uri, mime)
}

/// Text or binary contents decided at run time (e.g. a file that may or may not be
/// UTF-8); see [`Contents::from_bytes`].
#[derive(Debug, Clone, PartialEq)]
pub enum Contents {
    /// Text.
    Text(Text),
    /// Bytes.
    Blob(Blob),
}

impl Contents {
    /// Text when `bytes` are UTF-8 without NUL bytes, a blob otherwise.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        if bytes.contains(&0) {
            return Contents::Blob(Blob::new(bytes));
        }
        match String::from_utf8(bytes) {
            Ok(text) => Contents::Text(Text::new(text)),
            Err(e) => Contents::Blob(Blob::new(e.into_bytes())),
        }
    }

    /// Sets the MIME type (overrides the attribute's).
    pub fn mime_type(self, mime_type: impl Into<String>) -> Self {
        match self {
            Contents::Text(t) => Contents::Text(t.mime_type(mime_type)),
            Contents::Blob(b) => Contents::Blob(b.mime_type(mime_type)),
        }
    }
}

impl From<Text> for Contents {
    fn from(t: Text) -> Self {
        Contents::Text(t)
    }
}

impl From<Blob> for Contents {
    fn from(b: Blob) -> Self {
        Contents::Blob(b)
    }
}

impl IntoResourceContents for Contents {
    fn into_contents(self, uri: &str, mime: Option<&str>) -> Result<Vec<ResourceContents>, Error> {
        match self {
            Contents::Text(t) => t.into_contents(uri, mime),
            Contents::Blob(b) => b.into_contents(uri, mime),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_become_base64_blobs_and_results_map_errors() {
        let blob = |mime: &str| ResourceContents::Blob {
            uri: "x://b".into(),
            mime_type: Some(mime.into()),
            blob: "AAEC".into(),
            meta: None,
        };
        let b = bytes::Bytes::from_static(&[0, 1, 2]);
        assert_eq!(
            b.into_contents("x://b", Some("a/b")).unwrap(),
            vec![blob("a/b")]
        );
        assert_eq!(
            vec![0u8, 1, 2].into_contents("x://b", Some("a/b")).unwrap(),
            vec![blob("a/b")]
        );
        assert_eq!(
            Contents::from_bytes(vec![0, 1, 2])
                .mime_type("c/d")
                .into_contents("x://b", None)
                .unwrap(),
            vec![blob("c/d")]
        );
        let e = Err::<String, _>(NotFound)
            .into_contents("x://missing", None)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResourceNotFound);
        assert_eq!(e.data(), Some(&serde_json::json!({"uri": "x://missing"})));
    }
}
