//! RFC 6570 URI templates, matched in reverse: given a concrete URI, which template
//! produced it and with which variable values.
//!
//! Supported: literals, `{x}`, `{+x}`, `{#x}`, `{.x}`, `{/x}`, `{;x}`, `{?x,y}`, `{&x}`,
//! lists (`{x,y}`), explode (`{/path*}`, `{?tags*}`) and prefixes (`{x:3}`).
//!
//! Matching rules (what a value may contain):
//! * `{x}`, `{.x}`, `{;x}`: one segment, never `/`, `?` or `#`; `{x}` must be non-empty.
//! * `{/x}`: one segment after a `/`; `{/x*}` spans several segments, value `a/b/c`.
//! * `{+x}`: anything but `#`, and no `?` when a query expression follows, so
//!   `file:///{+path}` matches `file:///a/b/c.txt` with `path = a/b/c.txt`.
//! * `{?a,b}` / `{&a}`: `key=value` pairs in any order; absent keys leave the variable
//!   unset; unknown keys are ignored.
//! * `{#x}`, `{.x}`, `{/x}`, `{;x}`, `{?..}`, `{&..}` may be absent altogether.
//! * Values are percent-decoded (and must be UTF-8) before they reach handlers. Exploded
//!   and multi-valued variables arrive joined: `a/b/c` for `{/x*}`, `a,b` for `{?x*}`
//!   given `?x=a&x=b`.
//!
//! When several templates match one URI the most specific wins, decided in this order:
//! more literal characters; then fewer greedy expressions (`{+x}`, `{#x}`, `*`); then
//! fewer variables; then source order (file, line). See [`UriTemplate::specificity`].

mod matcher;
#[allow(missing_docs)]
pub mod parse;

pub use matcher::{percent_decode, UriTemplate};
pub use parse::{Operator, Part, TemplateError, VarSpec};
