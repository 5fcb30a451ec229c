//! What authorization adds to one Streamable HTTP call: `auth-cost plain|auth N` sends N
//! `tools/call`s (2026-07-28, JSON responses) through the endpoint's tower service in
//! process (no sockets), without `Auth`, or with `Auth::jwt` and one ES256 token (its
//! signature verified once against a JWKS served on 127.0.0.1, then cached) for a tool
//! that declares a scope. Compare instruction counts:
//!
//! ```text
//! perf stat -e instructions:u target/release/auth-cost plain 200000
//! perf stat -e instructions:u target/release/auth-cost auth 200000
//! ```
//! It also prints the wall time of the first authorized call (JWKS fetch + signature).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mcpserve::prelude::*;
use mcpserve::{Auth, HttpConfig, McpHttpService};
use serde_json::json;
use tower_service::Service as _;

/// Adds two numbers (needs `calc`).
#[tool(scopes = ["calc"])]
async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// One request through the service; the response body is read to the end.
async fn call(svc: &McpHttpService, token: Option<&str>, body: &Bytes) -> u16 {
    let mut req = http::Request::post("http://127.0.0.1/mcp")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("host", "127.0.0.1")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "add");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req.body(Full::new(body.clone())).unwrap();
    let res = svc.clone().call(req).await.unwrap();
    let status = res.status().as_u16();
    let _ = res.into_body().collect().await;
    status
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "plain".into());
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let body = Bytes::from(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "add", "arguments": {"a": 2, "b": 3},
            "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                      "io.modelcontextprotocol/clientCapabilities": {}}}})
        .to_string(),
    );
    let resource = "http://127.0.0.1/mcp";
    let server = Server::from_registry().build().unwrap();
    let (svc, token) = match mode.as_str() {
        "plain" => (server.http_service(HttpConfig::default()), None),
        "auth" => {
            let (issuer, token) = issuer(resource).await;
            let auth = Auth::jwt()
                .issuer(&issuer)
                .jwks_url(format!("{issuer}/jwks"))
                .resource(resource);
            (
                server.http_service(HttpConfig::default().auth(auth)),
                Some(token),
            )
        }
        other => panic!("mode {other:?}: plain or auth"),
    };
    let first = Instant::now();
    assert_eq!(call(&svc, token.as_deref(), &body).await, 200);
    eprintln!("{mode}: first call {:?}", first.elapsed());
    let start = Instant::now();
    for _ in 0..n {
        assert_eq!(call(&svc, token.as_deref(), &body).await, 200);
    }
    let per = start.elapsed() / n as u32;
    eprintln!("{mode}: {n} calls, {per:?} per call");
}

/// A JWKS with one fresh ES256 key on 127.0.0.1, and a token signed with it.
async fn issuer(audience: &str) -> (String, String) {
    use p256::pkcs8::EncodePrivateKey;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).unwrap();
    let der = p256::SecretKey::from_slice(&secret)
        .unwrap()
        .to_pkcs8_der()
        .unwrap();
    let key = EncodingKey::from_ec_der(der.as_bytes());
    let mut jwk =
        serde_json::to_value(Jwk::from_encoding_key(&key, Algorithm::ES256).unwrap()).unwrap();
    jwk["kid"] = json!("k1");
    let jwks = json!({"keys": [jwk]}).to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/jwks",
        axum::routing::get(move || {
            let jwks = jwks.clone();
            async move { ([("content-type", "application/json")], jwks) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("k1".into());
    let claims = json!({"iss": issuer, "sub": "bench", "aud": audience, "scope": "calc",
                        "iat": now, "exp": now + 3600});
    (
        issuer.clone(),
        jsonwebtoken::encode(&header, &claims, &key).unwrap(),
    )
}
