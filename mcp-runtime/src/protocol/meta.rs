//! `_meta` keys and the per-request metadata of the 2026-07-28 era.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::types::{Implementation, LoggingLevel, ProgressToken};

/// `_meta` key carrying the request's protocol version.
pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key carrying the client's capabilities.
pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key carrying the client's identity.
pub const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key carrying the minimum log level for this request.
pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// `_meta` key carrying the server's identity on results.
pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
/// `_meta` key correlating a notification with its `subscriptions/listen` request.
pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// The `_meta` object of an incoming request, with the keys the runtime interprets.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct RequestMeta {
    /// Progress token (both eras).
    #[serde(rename = "progressToken", default)]
    pub progress_token: Option<ProgressToken>,
    /// Protocol version (2026-07-28).
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", default)]
    pub protocol_version: Option<Value>,
    /// Client capabilities (2026-07-28).
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities", default)]
    pub client_capabilities: Option<Value>,
    /// Client identity (2026-07-28, optional).
    #[serde(rename = "io.modelcontextprotocol/clientInfo", default)]
    pub client_info: Option<Implementation>,
    /// Requested log level (2026-07-28, optional).
    #[serde(rename = "io.modelcontextprotocol/logLevel", default)]
    pub log_level: Option<Value>,
    /// Every key, as sent.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

impl RequestMeta {
    /// Reads `params._meta` out of raw params, tolerating anything else in them.
    pub fn from_params(
        params: Option<&serde_json::value::RawValue>,
    ) -> Result<Option<Self>, String> {
        #[derive(Deserialize)]
        struct P {
            #[serde(rename = "_meta", default)]
            meta: Option<RequestMeta>,
        }
        let Some(raw) = params else { return Ok(None) };
        if !may_hold_meta(raw.get().as_bytes()) {
            return Ok(None);
        }
        serde_json::from_str::<P>(raw.get())
            .map(|p| p.meta)
            .map_err(|e| format!("invalid _meta: {e}"))
    }

    /// The parsed log level, if present and valid.
    pub fn parsed_log_level(&self) -> Option<Result<LoggingLevel, ()>> {
        self.log_level
            .as_ref()
            .map(|v| serde_json::from_value(v.clone()).map_err(|_| ()))
    }
}

/// False only when `params` is an object that certainly has no `_meta` key, so the full
/// parse that looks for one (a whole extra pass over a large argument) can be skipped. A
/// key spelled `_meta` contains those bytes, or else a `\u` escape; a false positive only
/// costs the parse, and anything but an object is parsed to get its error.
fn may_hold_meta(params: &[u8]) -> bool {
    use memchr::memmem::find;
    params.first() != Some(&b'{')
        || find(params, b"_meta").is_some()
        || find(params, b"\\u").is_some()
}
