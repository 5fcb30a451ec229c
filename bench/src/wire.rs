//! The JSON-RPC messages the load generator sends, pre-serialized around the id.

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `tools/call add {a, b}`.
    Add,
    /// `tools/call echo` with a 1 KiB text.
    Echo1k,
    /// `tools/call echo` with a 64 KiB text.
    Echo64k,
    /// `tools/call stats {a, b}`: structured output.
    Stats,
    /// `tools/list`.
    List,
    /// `ping`.
    Ping,
}

impl Call {
    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Call::Add => "add",
            Call::Echo1k => "echo 1 KiB",
            Call::Echo64k => "echo 64 KiB",
            Call::Stats => "stats (structured)",
            Call::List => "tools/list",
            Call::Ping => "ping",
        }
    }

    fn method(self) -> &'static str {
        match self {
            Call::List => "tools/list",
            Call::Ping => "ping",
            _ => "tools/call",
        }
    }

    fn tool(self) -> Option<&'static str> {
        match self {
            Call::Add => Some("add"),
            Call::Echo1k | Call::Echo64k => Some("echo"),
            Call::Stats => Some("stats"),
            Call::List | Call::Ping => None,
        }
    }

    fn params(self, meta: Option<&str>) -> String {
        let meta = meta.map(|m| format!(r#","_meta":{m}"#)).unwrap_or_default();
        match self {
            Call::Add | Call::Stats => format!(
                r#"{{"name":"{}","arguments":{{"a":20,"b":22}}{meta}}}"#,
                self.tool().unwrap_or_default()
            ),
            Call::Echo1k | Call::Echo64k => {
                let n = if self == Call::Echo1k {
                    1024
                } else {
                    64 * 1024
                };
                format!(
                    r#"{{"name":"echo","arguments":{{"text":"{}"}}{meta}}}"#,
                    "x".repeat(n)
                )
            }
            Call::List | Call::Ping => format!("{{{}}}", meta.trim_start_matches(',')),
        }
    }
}

/// `_meta` a 2026-07-28 request carries.
pub const META_2026: &str = r#"{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"mcpserve-bench","version":"0"}}"#;

/// A request template: `prefix + id + suffix`.
#[derive(Debug, Clone)]
pub struct Template {
    /// The call.
    pub call: Call,
    prefix: &'static [u8],
    suffix: Vec<u8>,
}

impl Template {
    /// A session-era request (no `_meta`), or a 2026-07-28 one when `modern`.
    pub fn new(call: Call, modern: bool) -> Self {
        let params = call.params(modern.then_some(META_2026));
        Template {
            call,
            prefix: br#"{"jsonrpc":"2.0","id":"#,
            suffix: format!(r#","method":"{}","params":{params}}}"#, call.method()).into_bytes(),
        }
    }

    /// Appends the request with `id` (no newline).
    pub fn write(&self, id: u64, out: &mut Vec<u8>) {
        out.extend_from_slice(self.prefix);
        out.extend_from_slice(id.to_string().as_bytes());
        out.extend_from_slice(&self.suffix);
    }

    /// The request with `id` as bytes.
    pub fn bytes(&self, id: u64) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.prefix.len() + 20 + self.suffix.len());
        self.write(id, &mut v);
        v
    }

    /// `Mcp-Method` header value.
    pub fn method(&self) -> &'static str {
        self.call.method()
    }

    /// `Mcp-Name` header value, for tools/call.
    pub fn tool(&self) -> Option<&'static str> {
        self.call.tool()
    }
}

/// Session-era `initialize` with id `"init"`.
pub fn initialize(version: &str) -> Vec<u8> {
    format!(
        r#"{{"jsonrpc":"2.0","id":"init","method":"initialize","params":{{"protocolVersion":"{version}","capabilities":{{}},"clientInfo":{{"name":"mcpserve-bench","version":"0"}}}}}}"#
    )
    .into_bytes()
}

/// `notifications/initialized`.
pub const INITIALIZED: &[u8] = br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

/// The numeric id of a response, found without parsing the whole message.
pub fn response_id(line: &[u8]) -> Option<u64> {
    let at = find(line, br#""id":"#)? + 5;
    let digits = line[at..]
        .iter()
        .skip_while(|b| **b == b' ')
        .take_while(|b| b.is_ascii_digit());
    let mut n: u64 = 0;
    let mut any = false;
    for d in digits {
        n = n * 10 + u64::from(d - b'0');
        any = true;
    }
    any.then_some(n)
}

/// First position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Checks that a response is a successful, non-error result; returns why not otherwise.
pub fn check_response(line: &[u8]) -> Result<(), String> {
    let v: serde_json::Value = serde_json::from_slice(line)
        .map_err(|e| format!("unparseable response ({e}): {}", preview(line)))?;
    let Some(result) = v.get("result") else {
        return Err(format!("not a result: {}", preview(line)));
    };
    if result.get("isError") == Some(&serde_json::Value::Bool(true)) {
        return Err(format!("tool error: {}", preview(line)));
    }
    Ok(())
}

/// The start of a message, for error reports.
pub fn preview(line: &[u8]) -> String {
    let s = String::from_utf8_lossy(&line[..line.len().min(300)]);
    s.into_owned()
}
