//! Authorization: the HTTP endpoint as an OAuth 2.1 *resource server* (MCP
//! authorization, both protocol eras, one code path).
//!
//! The server never issues tokens and never passes them on: an authorization server
//! does that, and the server checks each request's `Authorization: Bearer` token, with
//! a [`TokenVerifier`] (JWTs against the issuer's JWKS, or RFC 7662 introspection),
//! against its own canonical URI (RFC 8707 audience), and then the scopes each operation
//! declares (`#[tool(scopes = ["notes:write"])]`, also on `#[resource]` and `#[prompt]`).
//!
//! | request | answer |
//! |---|---|
//! | no token, malformed, expired, not yet valid, bad signature, wrong `iss`/`aud` | 401, `WWW-Authenticate: Bearer resource_metadata="…"` (+ `error="invalid_token"` when a token was sent) |
//! | token in the query string | 401 `error="invalid_request"`: never accepted |
//! | token lacking an operation's scopes | 403, `error="insufficient_scope", scope="<all the operation needs>"` |
//! | the issuer's keys cannot be fetched | 503 with `Retry-After` |
//! | `GET /.well-known/oauth-protected-resource[/mcp]` | the RFC 9728 metadata, without a token |
//!
//! Scopes are checked before the operation runs (the endpoint reads the tool name,
//! prompt name or resource URI it indexes anyway), so a 403 is an HTTP 403 even for a
//! request that would have streamed. Handlers can demand more at run time with
//! [`Principal::require`]; that error is a 403 challenge too while the response is still
//! a plain JSON body, and a JSON-RPC error (`-32011`, `data.scope`) inside a stream that
//! already started.
//!
//! **Lists.** By default `tools/list`, `prompts/list`, `resources/list` and
//! `resources/templates/list` show every item, also to a caller lacking its scopes: the
//! client can see what exists and step up (ask for more scopes) when it calls it.
//! `Auth::hide_unpermitted()` leaves out what the caller may not use.
//!
//! **Bindings.** A session-era session belongs to the principal that created it: the
//! same `Mcp-Session-Id` with another subject's token is "session not found" (404). A
//! 2026-07-28 `requestState` is sealed for its principal and rejected for anyone else.
//! [`Principal::owner_key`] is the key other stores (tasks) bind to.
//!
//! **stdio** has no OAuth: the MCP authorization spec says stdio servers take
//! credentials from their environment. Declared scopes are not enforced there (nor on
//! the in-memory transport), `Option<Principal>` is `None` and a `Principal` parameter
//! fails the call with `-32010`. An HTTP endpoint without `Auth` does not enforce scopes
//! either, and warns at startup when any are declared.
//!
//! Tokens never appear in errors or logs: verification failures name the rule that
//! failed, and the cache keys verified tokens by their SHA-256.

mod principal;
pub(crate) mod scope_token;
mod scopes;

pub use principal::{AuthContext, Principal, PrincipalBuilder};
pub use scopes::ScopeHierarchy;
pub(crate) use scopes::Scopes;

/// Items of the `auth` feature: the verifiers and the HTTP side.
macro_rules! cfg_auth {
    ($($item:item)*) => {
        $( #[cfg(feature = "auth")] $item )*
    };
}

cfg_auth! {
    mod cache;
    pub(crate) mod challenge;
    mod config;
    mod fetch;
    pub(crate) mod http;
    mod introspection;
    mod jwks;
    mod jwt;
    mod metadata;
    pub(crate) mod operation;
    mod verifier;

    pub use config::Auth;
    pub use introspection::IntrospectionVerifier;
    pub use jwt::JwtVerifier;
    pub use metadata::MetadataService;
    pub use verifier::{TokenError, TokenVerifier};
}
