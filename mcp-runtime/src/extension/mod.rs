//! Protocol extensions (SEP-2133): an identifier, settings advertised in the server's
//! `capabilities.extensions`, the JSON-RPC methods the extension adds, and whether a
//! client must declare the extension before calling them.
//!
//! Extension methods go through the one dispatcher like core methods: each era decorates
//! their results (`resultType`, caching hints in 2026-07-28), the HTTP transport checks
//! their `Mcp-Method` (and, when declared, `Mcp-Name`) headers, and an unknown method is
//! `-32601` (HTTP 404 in 2026-07-28). The tasks extension (`io.modelcontextprotocol/tasks`)
//! is built on this API.
//!
//! ```
//! use mcp_runtime::extension::{Extension, ExtensionMethod, NoParams};
//! use mcp_runtime::{Context, Error, Server};
//!
//! #[derive(serde::Deserialize)]
//! struct Lookup { word: String }
//!
//! #[derive(serde::Serialize)]
//! struct Definition { word: String, meaning: String }
//!
//! let dictionary = Extension::new("com.example/dictionary")
//!     .settings(serde_json::json!({ "languages": ["en"] }))   // advertised as-is
//!     .require_client_opt_in()        // -32021 unless the client declares the extension
//!     .method(ExtensionMethod::new("dictionary/define", |_ctx: Context, p: Lookup| async move {
//!         Ok::<_, Error>(Definition { meaning: format!("the word {:?}", p.word), word: p.word })
//!     }).mcp_name_param("word"))      // 2026 HTTP: `Mcp-Name` must equal params.word
//!     .method(ExtensionMethod::new("dictionary/count", |_ctx: Context, _: NoParams| async move {
//!         Ok::<_, Error>(serde_json::json!({ "count": 1 }))
//!     }));
//! let server = Server::builder().without_registry().extension(dictionary).build()?;
//! # Ok::<(), mcp_runtime::Error>(())
//! ```
//!
//! A client declares an extension in its capabilities: `initialize`'s
//! `capabilities.extensions` in the session era, each request's
//! `_meta["io.modelcontextprotocol/clientCapabilities"].extensions` in 2026-07-28. Handlers
//! read the client's settings with [`Context::client_extension`].

mod set;

use std::future::Future;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

pub(crate) use set::{check_id, ExtensionSet};

pub use crate::dispatch::CacheScope;
use crate::error::Error;
use crate::extract::Context;
use crate::protocol::Era;
use crate::tool::BoxFuture;

/// A protocol extension: declare it once, add it with
/// [`ServerBuilder::extension`](crate::ServerBuilder::extension).
pub struct Extension {
    pub(crate) id: String,
    pub(crate) settings: Result<Map<String, Value>, String>,
    pub(crate) methods: Vec<ExtensionMethod>,
    pub(crate) requires_client: bool,
    pub(crate) eras: EraSet,
    /// Served with the server's own resources (and declaring `capabilities.resources`).
    pub(crate) resources: Vec<crate::server::ResourceDef>,
}

/// The eras something applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EraSet {
    pub(crate) session: bool,
    pub(crate) sessionless: bool,
}

impl EraSet {
    pub(crate) const BOTH: EraSet = EraSet {
        session: true,
        sessionless: true,
    };

    pub(crate) fn only(era: Era) -> EraSet {
        EraSet {
            session: era == Era::Session,
            sessionless: era == Era::Sessionless,
        }
    }

    pub(crate) fn contains(self, era: Era) -> bool {
        match era {
            Era::Session => self.session,
            Era::Sessionless => self.sessionless,
        }
    }

    fn overlaps(self, other: EraSet) -> bool {
        (self.session && other.session) || (self.sessionless && other.sessionless)
    }
}

impl Extension {
    /// An extension with this identifier (`{vendor-prefix}/{name}`, e.g.
    /// `com.example/my-extension`; checked when the server is built), no settings and no
    /// methods, advertised in both eras.
    pub fn new(id: impl Into<String>) -> Self {
        Extension {
            id: id.into(),
            settings: Ok(Map::new()),
            methods: Vec::new(),
            requires_client: false,
            eras: EraSet::BOTH,
            resources: Vec::new(),
        }
    }

    /// The settings object advertised under `capabilities.extensions[id]` (default `{}`).
    /// It must serialize to a JSON object; anything else fails the server's build.
    pub fn settings(mut self, settings: impl Serialize) -> Self {
        self.settings = match serde_json::to_value(settings) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(format!("settings must be a JSON object, not {other}")),
            Err(e) => Err(format!("settings do not serialize: {e}")),
        };
        self
    }

    /// Adds a method.
    pub fn method(mut self, method: ExtensionMethod) -> Self {
        self.methods.push(method);
        self
    }

    /// Adds a resource the extension serves: listed, read and subscribed to like the
    /// server's own (`resources/read` stays a core method), and it makes the server
    /// declare the `resources` capability. It cannot be replaced or removed while
    /// serving. The skills extension serves each skill's files this way.
    pub fn resource(mut self, resource: crate::server::ResourceDef) -> Self {
        self.resources.push(resource);
        self
    }

    /// The extension's methods answer `-32021` (missing required client capability, with
    /// `data.requiredCapabilities.extensions[id]`) to clients that did not declare it.
    /// Off by default: any client may call the methods.
    pub fn require_client_opt_in(mut self) -> Self {
        self.requires_client = true;
        self
    }

    /// Advertises the extension (and serves its methods) only in this era.
    pub fn only_in(mut self, era: Era) -> Self {
        self.eras = EraSet::only(era);
        self
    }

    /// The identifier.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl std::fmt::Debug for Extension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extension")
            .field("id", &self.id)
            .field(
                "methods",
                &self.methods.iter().map(|m| &m.name).collect::<Vec<_>>(),
            )
            .field("requires_client", &self.requires_client)
            .finish_non_exhaustive()
    }
}

/// What an extension method's handler produced: a serialized JSON object (the era adds
/// `resultType`).
pub(crate) enum Output {
    Object(Vec<u8>),
    /// A page serialized ahead of time and shared by every response (a list).
    Shared(crate::server::pager::Page),
}

/// Runs an extension method: parses the params (a `-32602` on failure), then returns the
/// handler's future.
pub(crate) type Invoke = Arc<
    dyn Fn(Context, Option<&RawValue>) -> Result<BoxFuture<'static, Result<Output, Error>>, Error>
        + Send
        + Sync,
>;

/// One JSON-RPC method of an [`Extension`].
pub struct ExtensionMethod {
    pub(crate) name: String,
    pub(crate) name_param: Option<String>,
    pub(crate) cache: Option<CacheScope>,
    pub(crate) eras: Option<EraSet>,
    pub(crate) requires_client: Option<bool>,
    pub(crate) invoke: Invoke,
}

impl ExtensionMethod {
    /// A method named `name` whose requests run `handler` with the request's [`Context`]
    /// and its params deserialized as `P` (absent params read as `{}`; a mismatch is
    /// `-32602`). The handler's value must serialize to a JSON object: it becomes the
    /// result (2026-07-28 adds `resultType: "complete"`). An `Err` is sent as the
    /// JSON-RPC error of its kind.
    pub fn new<P, R, F, Fut>(name: impl Into<String>, handler: F) -> Self
    where
        P: DeserializeOwned + Send + 'static,
        R: Serialize + Send + 'static,
        F: Fn(Context, P) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, Error>> + Send + 'static,
    {
        let name = name.into();
        let invoke: Invoke = Arc::new(move |ctx: Context, params: Option<&RawValue>| {
            let p: P = serde_json::from_str(params.map_or("{}", RawValue::get))
                .map_err(|e| Error::invalid_params(format!("Invalid params: {e}")))?;
            let fut = handler(ctx, p);
            Ok(Box::pin(async move {
                let value = fut.await?;
                let bytes = crate::protocol::encode::to_vec(&value)?;
                if bytes.first() != Some(&b'{') {
                    return Err(Error::internal(
                        "an extension method's result must be a JSON object",
                    ));
                }
                Ok(Output::Object(bytes))
            }) as BoxFuture<'static, _>)
        });
        ExtensionMethod {
            name,
            name_param: None,
            cache: None,
            eras: None,
            requires_client: None,
            invoke,
        }
    }

    /// A method whose handler writes its result bytes itself (runtime-internal: the
    /// tasks extension).
    pub(crate) fn encoded<P, F, Fut>(name: &str, handler: F) -> Self
    where
        P: DeserializeOwned + Send + 'static,
        F: Fn(Context, P) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Output, Error>> + Send + 'static,
    {
        let invoke: Invoke = Arc::new(move |ctx: Context, params: Option<&RawValue>| {
            let p: P = serde_json::from_str(params.map_or("{}", RawValue::get))
                .map_err(|e| Error::invalid_params(format!("Invalid params: {e}")))?;
            Ok(Box::pin(handler(ctx, p)) as BoxFuture<'static, _>)
        });
        ExtensionMethod {
            name: name.to_owned(),
            name_param: None,
            cache: None,
            eras: None,
            requires_client: None,
            invoke,
        }
    }

    /// On 2026-07-28 Streamable HTTP, the `Mcp-Name` header is required and must equal
    /// this (string) parameter, as it does `params.name` for `tools/call`
    /// (e.g. `taskId` for `tasks/get`).
    pub fn mcp_name_param(mut self, param: impl Into<String>) -> Self {
        self.name_param = Some(param.into());
        self
    }

    /// The result is cacheable: 2026-07-28 results carry `ttlMs` and `cacheScope`
    /// (the server's configured TTL for that scope).
    pub fn cacheable(mut self, scope: CacheScope) -> Self {
        self.cache = Some(scope);
        self
    }

    /// Serves the method only in this era (default: the extension's eras).
    pub fn only_in(mut self, era: Era) -> Self {
        self.eras = Some(EraSet::only(era));
        self
    }

    /// Overrides the extension's [`require_client_opt_in`](Extension::require_client_opt_in)
    /// for this method.
    pub fn client_opt_in(mut self, required: bool) -> Self {
        self.requires_client = Some(required);
        self
    }

    /// The method name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Params of a method that takes none: accepts any params object and ignores it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoParams;

impl<'de> Deserialize<'de> for NoParams {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| NoParams)
    }
}

/// `-32021` naming the extension a method needs (`data.requiredCapabilities.extensions`).
pub(crate) fn missing_extension(id: &str) -> Error {
    Error::new(
        crate::ErrorKind::MissingCapability,
        format!("Missing required client capability: extension `{id}`"),
    )
    .with_data(serde_json::json!({ "requiredCapabilities": { "extensions": { id: {} } } }))
}

/// The settings the client declared for extension `id`, if it declared it.
pub(crate) fn client_settings<'a>(caps: &'a Value, id: &str) -> Option<&'a Value> {
    caps.get("extensions")?.get(id).filter(|v| !v.is_null())
}
