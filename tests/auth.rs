//! Authorization of the HTTP endpoint (`Auth`): tokens signed here with RSA, EC and Ed25519
//! keys generated here, a JWKS and an RFC 7662 introspection endpoint served on
//! 127.0.0.1, every 401/403 rule in both eras, key rotation, session and requestState
//! binding, list policy, and that tokens never reach errors or logs.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mcpserve::middleware::{from_fn, Next};
use mcpserve::prelude::*;
use mcpserve::{Auth, HttpConfig, ServerBuilder, ToolCall, ToolDef};
use serde_json::{json, Value};

// ---- the server under test --------------------------------------------------------

/// Returns the caller's subject.
#[tool]
async fn whoami(who: Principal) -> String {
    who.subject().to_owned()
}

/// The caller's subject, or "anonymous".
#[tool]
async fn maybe_whoami(who: Option<Principal>) -> String {
    who.map_or_else(|| "anonymous".to_owned(), |p| p.subject().to_owned())
}

/// Needs notes:read.
#[tool(scopes = ["notes:read"])]
async fn read_notes() -> &'static str {
    "notes"
}

/// Needs notes:write and notes:delete.
#[tool(scopes = ["notes:write", "notes:delete"])]
async fn purge_notes() -> &'static str {
    "purged"
}

/// Demands `admin` at run time.
#[tool]
async fn admin_only(who: Principal) -> Result<String, Error> {
    who.require(["admin"])?;
    Ok("welcome".into())
}

/// Reads a typed custom claim.
#[tool]
async fn tenant(who: Principal) -> String {
    #[derive(serde::Deserialize)]
    struct Claims {
        tenant: String,
    }
    who.claims_as::<Claims>()
        .map_or_else(|e| e.to_string(), |c| c.tenant)
}

#[derive(Deserialize, Elicit)]
struct Proceed {
    proceed: bool,
}

/// Asks before answering (2026: an input-required round with a sealed requestState).
#[tool]
async fn confirm(ctx: Context) -> Result<String, Error> {
    match ctx.elicit::<Proceed>("Go on?").key("go").await? {
        Elicitation::Accepted(Proceed { proceed }) => Ok(format!("proceed={proceed}")),
        _ => Ok("declined".into()),
    }
}

/// A secret document per id.
#[resource("secret://{id}", scopes = ["secrets:read"])]
async fn secret(id: String) -> String {
    format!("secret {id}")
}

/// A scoped prompt.
#[prompt(scopes = ["prompts:use"])]
async fn briefing(
    /// The topic.
    #[arg(complete = topics)]
    topic: String,
) -> String {
    format!("Brief me on {topic}")
}

fn topics(prefix: &str) -> Vec<String> {
    ["rust", "mcp"]
        .iter()
        .filter(|t| t.starts_with(prefix))
        .map(|t| t.to_string())
        .collect()
}

// ---- keys and tokens --------------------------------------------------------------

/// A signing key made here and its public JWK.
#[derive(Clone)]
struct Signer {
    kid: String,
    alg: Algorithm,
    key: EncodingKey,
    jwk: Value,
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).unwrap();
    b
}

impl Signer {
    fn finish(kid: &str, alg: Algorithm, key: EncodingKey) -> Signer {
        let mut jwk = serde_json::to_value(Jwk::from_encoding_key(&key, alg).unwrap()).unwrap();
        jwk["kid"] = json!(kid);
        Signer {
            kid: kid.to_owned(),
            alg,
            key,
            jwk,
        }
    }

    fn rsa(kid: &str) -> Signer {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::Generate;
        let key = rsa::PrivateKey::generate();
        let der = key.to_pkcs1_der().unwrap();
        Self::finish(
            kid,
            Algorithm::RS256,
            EncodingKey::from_rsa_der(der.as_bytes()),
        )
    }

    fn ec(kid: &str) -> Signer {
        use p256::pkcs8::EncodePrivateKey;
        let key = p256::SecretKey::from_slice(&random::<32>()).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        Self::finish(
            kid,
            Algorithm::ES256,
            EncodingKey::from_ec_der(der.as_bytes()),
        )
    }

    fn ed(kid: &str) -> Signer {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let key = ed25519_dalek::SigningKey::from_bytes(&random::<32>());
        let der = key.to_pkcs8_der().unwrap();
        let x = B64.encode(key.verifying_key().to_bytes());
        Signer {
            kid: kid.to_owned(),
            alg: Algorithm::EdDSA,
            key: EncodingKey::from_ed_der(der.as_bytes()),
            jwk: json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid}),
        }
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
}

/// One RSA key per test binary (generation is the slow part).
fn rsa_key() -> &'static Signer {
    static KEY: OnceLock<Signer> = OnceLock::new();
    KEY.get_or_init(|| Signer::rsa("rsa-1"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---- a local authorization server: JWKS and introspection -------------------------

const CLIENT: (&str, &str) = ("mcp-server", "s3cret:&=");

#[derive(Default)]
struct IdpState {
    keys: Mutex<Vec<Value>>,
    jwks_fetches: AtomicUsize,
    /// Introspection answers by token.
    answers: Mutex<HashMap<String, Value>>,
    introspections: AtomicUsize,
}

struct Idp {
    issuer: String,
    state: Arc<IdpState>,
}

fn json_body(
    status: axum::http::StatusCode,
    v: Value,
) -> (
    axum::http::StatusCode,
    [(&'static str, &'static str); 1],
    String,
) {
    (
        status,
        [("content-type", "application/json")],
        v.to_string(),
    )
}

impl Idp {
    async fn start(keys: &[&Signer]) -> Idp {
        use axum::body::Bytes;
        use axum::http::{HeaderMap, StatusCode};
        use axum::routing::{get, post};
        let state = Arc::new(IdpState::default());
        *state.keys.lock().unwrap() = keys.iter().map(|k| k.jwk.clone()).collect();
        let jwks = {
            let state = state.clone();
            move || {
                let state = state.clone();
                async move {
                    state.jwks_fetches.fetch_add(1, Ordering::SeqCst);
                    json_body(StatusCode::OK, json!({"keys": *state.keys.lock().unwrap()}))
                }
            }
        };
        let introspect = {
            let state = state.clone();
            move |headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    state.introspections.fetch_add(1, Ordering::SeqCst);
                    let basic = format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD
                            .encode(format!("{}:{}", CLIENT.0, "s3cret%3A%26%3D"))
                    );
                    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&basic) {
                        return json_body(
                            StatusCode::UNAUTHORIZED,
                            json!({"error": "invalid_client"}),
                        );
                    }
                    let body = String::from_utf8(body.to_vec()).unwrap();
                    let token = body
                        .split('&')
                        .find_map(|kv| kv.strip_prefix("token="))
                        .unwrap_or_default()
                        .to_owned();
                    let answer = state.answers.lock().unwrap().get(&token).cloned();
                    json_body(StatusCode::OK, answer.unwrap_or(json!({"active": false})))
                }
            }
        };
        let app = axum::Router::new()
            .route("/jwks", get(jwks))
            .route("/introspect", post(introspect));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Idp {
            issuer: format!("http://{addr}"),
            state,
        }
    }

    fn jwks_url(&self) -> String {
        format!("{}/jwks", self.issuer)
    }

    fn fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    /// Standard claims for `sub` with `scope`, valid for five minutes, for `aud`.
    fn claims(&self, sub: &str, scope: &str, aud: &str) -> Value {
        let t = now();
        json!({"iss": self.issuer, "sub": sub, "aud": aud, "scope": scope, "client_id": "app",
               "iat": t, "nbf": t - 5, "exp": t + 300})
    }
}

// ---- the endpoint -------------------------------------------------------------------

struct Endpoint {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves the registry with `auth(url)` on a free port; `auth` gets the canonical URI.
async fn serve(auth: impl FnOnce(&str) -> Auth) -> Endpoint {
    serve_server(Server::from_registry(), auth).await
}

/// Serves `server` with `auth(url)` on a free port.
async fn serve_server(server: ServerBuilder, auth: impl FnOnce(&str) -> Auth) -> Endpoint {
    capture_logs();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let url = format!("http://{addr}/mcp");
    let auth = auth(&url);
    auth.validate().unwrap();
    let config = HttpConfig::default().auth(auth);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve_http_on(listener, config, async {
        let _ = stopped.await;
    }));
    Endpoint {
        url,
        stop: Some(stop),
    }
}

fn jwt_auth(idp: &Idp) -> impl FnOnce(&str) -> Auth + '_ {
    move |url| {
        Auth::jwt()
            .issuer(&idp.issuer)
            .jwks_url(idp.jwks_url())
            .resource(url)
            .scope_implies("notes", ["notes:read", "notes:write", "notes:delete"])
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

struct Reply {
    status: u16,
    challenge: Option<String>,
    headers: reqwest::header::HeaderMap,
    body: Value,
    text: String,
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let challenge = headers
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = res.text().await.unwrap();
    let body = if headers
        .get("content-type")
        .is_some_and(|v| v == "text/event-stream")
    {
        let data = text
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .rfind(|d| !d.is_empty())
            .unwrap_or("null");
        serde_json::from_str(data).unwrap()
    } else {
        serde_json::from_str(&text).unwrap_or(Value::Null)
    };
    Reply {
        status,
        challenge,
        headers,
        body,
        text,
    }
}

fn post(
    url: &str,
    token: Option<&str>,
    body: &Value,
    extra: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let mut req = client()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_string());
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    req
}

/// A 2026-07-28 request with its headers.
async fn call_2026(url: &str, token: Option<&str>, method: &str, mut params: Value) -> Reply {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}},
    });
    let name = params
        .get("name")
        .or_else(|| params.get("uri"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    let mut extra = vec![
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", method),
    ];
    if let Some(n) = &name {
        extra.push(("mcp-name", n));
    }
    send(post(url, token, &body, &extra)).await
}

/// A 2026-07-28 `tools/call` that asks for progress (answered as SSE when it runs).
async fn call_2026_progress(url: &str, token: Option<&str>, mut params: Value) -> Reply {
    let progress = params
        .as_object_mut()
        .unwrap()
        .remove("progressToken")
        .unwrap();
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "progressToken": progress,
    });
    let name = params["name"].as_str().unwrap().to_owned();
    let body = json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": params});
    let extra = [
        ("mcp-protocol-version", "2026-07-28"),
        ("mcp-method", "tools/call"),
        ("mcp-name", &name),
    ];
    send(post(url, token, &body, &extra)).await
}

/// A session-era session opened with `token`.
async fn initialize(url: &str, token: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}});
    let res = post(url, Some(token), &init, &[]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.headers()["mcp-session-id"].to_str().unwrap().to_owned()
}

async fn call_session(
    url: &str,
    token: Option<&str>,
    session: &str,
    method: &str,
    params: Value,
) -> Reply {
    let body = json!({"jsonrpc": "2.0", "id": 3, "method": method, "params": params});
    send(post(
        url,
        token,
        &body,
        &[
            ("mcp-session-id", session),
            ("mcp-protocol-version", "2025-11-25"),
        ],
    ))
    .await
}

fn metadata_url(url: &str) -> String {
    url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp")
}

/// The parameters of a `Bearer` challenge.
fn params(challenge: &str) -> HashMap<String, String> {
    let rest = challenge
        .strip_prefix("Bearer ")
        .expect("a Bearer challenge");
    rest.split("\", ")
        .map(|kv| {
            let (k, v) = kv.split_once("=\"").unwrap();
            (k.to_owned(), v.trim_end_matches('"').to_owned())
        })
        .collect()
}

fn text_of(reply: &Reply) -> &str {
    reply.body["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
}

// ---- logs -----------------------------------------------------------------------------

fn log_buffer() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    LOGS.get_or_init(Default::default)
}

struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        log_buffer().lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every test's server logs at TRACE into one buffer, which the log test searches.
fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| LogWriter)
            .with_ansi(false)
            .try_init();
    });
}

// ---- tests -----------------------------------------------------------------------------

#[tokio::test]
async fn metadata_is_served_without_a_token_at_the_path_and_the_root() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(|url| {
        jwt_auth(&idp)(url)
            .require_scopes(["mcp"])
            .scopes_supported(["notes"])
    })
    .await;
    let expected = json!({
        "resource": ep.url,
        "authorization_servers": [idp.issuer],
        "bearer_methods_supported": ["header"],
        "scopes_supported": ["mcp", "notes", "notes:delete", "notes:read", "notes:write", "prompts:use", "secrets:read"],
        "resource_name": "mcpserve",
    });
    for url in [
        metadata_url(&ep.url),
        ep.url
            .replace("/mcp", "/.well-known/oauth-protected-resource"),
    ] {
        let res = client().get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        assert_eq!(res.headers()["access-control-allow-origin"], "*");
        assert_eq!(res.json::<Value>().await.unwrap(), expected);
    }
    let preflight = client()
        .request(reqwest::Method::OPTIONS, metadata_url(&ep.url))
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    let wrong = client().post(metadata_url(&ep.url)).send().await.unwrap();
    assert_eq!(wrong.status(), 405);
}

#[tokio::test]
async fn missing_malformed_and_query_tokens_get_401_with_resource_metadata() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(jwt_auth(&idp)).await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let meta = metadata_url(&ep.url);

    let none = send(post(&ep.url, None, &body, &[])).await;
    assert_eq!(none.status, 401);
    // No credentials: no error code (RFC 6750 §3.1), just where to start.
    assert_eq!(
        none.challenge.as_deref(),
        Some(&*format!("Bearer resource_metadata=\"{meta}\""))
    );
    assert_eq!(none.body["error"]["code"], -32010);

    let token = idp.sign_rsa("alice", "notes", &ep.url);
    for (header, why) in [
        (
            "Basic YWxpY2U6cHc=".to_owned(),
            "expected Authorization: Bearer <token>",
        ),
        (
            "Bearer".to_owned(),
            "expected Authorization: Bearer <token>",
        ),
        (
            "Bearer a b".to_owned(),
            "the bearer token is not a valid token68 value",
        ),
        ("Bearer not.a.jwt".to_owned(), ""),
    ] {
        let r = send(post(&ep.url, None, &body, &[("authorization", &header)])).await;
        assert_eq!(r.status, 401, "{header}");
        let p = params(r.challenge.as_deref().unwrap());
        assert_eq!(p["resource_metadata"], meta);
        if why.is_empty() {
            assert_eq!(p["error"], "invalid_token");
        } else {
            assert_eq!(
                (p["error"].as_str(), p["error_description"].as_str()),
                ("invalid_request", why)
            );
        }
    }
    let two = client()
        .post(&ep.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("authorization", format!("Bearer {token}"))
        .header("authorization", format!("Bearer {token}"))
        .body(body.to_string());
    assert_eq!(send(two).await.status, 401);

    // A valid token in the query string is never accepted, even next to no header.
    let r = send(post(
        &format!("{}?access_token={token}", ep.url),
        None,
        &body,
        &[],
    ))
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(
        params(r.challenge.as_deref().unwrap())["error"],
        "invalid_request"
    );
    assert!(!r.text.contains(&token));
    let ok = call_2026(&ep.url, Some(&token), "tools/list", json!({})).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

impl Idp {
    fn sign_rsa(&self, sub: &str, scope: &str, aud: &str) -> String {
        rsa_key().sign(&self.claims(sub, scope, aud))
    }
}

#[tokio::test]
async fn expired_early_forged_foreign_and_misaddressed_tokens_get_401_invalid_token() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(jwt_auth(&idp)).await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let good = idp.claims("alice", "notes", &ep.url);
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = good.clone();
        f(&mut c);
        rsa_key().sign(&c)
    };
    let other_key = Signer::ec("rsa-1"); // same kid, another key: the signature fails
    let cases = [
        (
            with(&|c| c["exp"] = json!(now() - 120)),
            "The access token expired",
        ),
        (
            with(&|c| c["nbf"] = json!(now() + 3600)),
            "The access token is not valid yet",
        ),
        (
            with(&|c| c["iss"] = json!("https://evil.example")),
            "The access token was issued by another authorization server",
        ),
        (
            with(&|c| c["aud"] = json!("https://other.example/mcp")),
            "The access token was not issued for this server (audience)",
        ),
        (
            with(&|c| c["aud"] = json!(["https://other.example/mcp", "x"])),
            "The access token was not issued for this server (audience)",
        ),
        (
            with(&|c| {
                c.as_object_mut().unwrap().remove("aud");
            }),
            "The access token was not issued for this server (audience)",
        ),
        (
            with(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
            "The access token is malformed: `exp` is missing or not a number",
        ),
        (
            with(&|c| c["exp"] = json!("never")),
            "The access token is malformed: `exp` is missing or not a number",
        ),
        (
            with(&|c| c["nbf"] = json!("99999999999")),
            "The access token is malformed: a claim has the wrong type",
        ),
        (
            other_key.sign(&good),
            "The access token signature is invalid",
        ),
        (
            Signer {
                kid: "unknown".into(),
                ..rsa_key().clone()
            }
            .sign(&good),
            "The access token is signed with a key the issuer does not publish",
        ),
    ];
    for (token, description) in cases {
        let r = send(post(&ep.url, Some(&token), &body, &[])).await;
        assert_eq!(r.status, 401, "{description}");
        let p = params(r.challenge.as_deref().unwrap());
        assert_eq!(p["error"], "invalid_token");
        assert_eq!(p["error_description"], description);
        assert_eq!(p["resource_metadata"], metadata_url(&ep.url));
        assert_eq!(
            r.body["error"]["message"],
            format!("Unauthorized: {description}")
        );
    }
    // `aud` as an array containing the canonical URI, and in another letter case.
    for aud in [
        json!(["https://other.example", ep.url]),
        json!(ep.url.replace("http://", "HTTP://")),
    ] {
        let token = with(&|c| c["aud"] = aud.clone());
        assert_eq!(
            call_2026(&ep.url, Some(&token), "tools/list", json!({}))
                .await
                .status,
            200,
            "{aud}"
        );
    }
}

#[tokio::test]
async fn alg_none_and_hmac_signed_with_the_public_key_are_refused() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(jwt_auth(&idp)).await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let claims = idp.claims("mallory", "notes", &ep.url);
    let payload = B64.encode(claims.to_string());
    let none = format!(
        "{}.{payload}.",
        B64.encode(r#"{"alg":"none","kid":"rsa-1"}"#)
    );
    let r = send(post(&ep.url, Some(&none), &body, &[])).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        params(r.challenge.as_deref().unwrap())["error_description"],
        "The access token is malformed: unsupported `alg`"
    );
    // The classic confusion: HS256 keyed with the public key's published bytes.
    for secret in [
        rsa_key().jwk["n"].as_str().unwrap().as_bytes(),
        rsa_key().jwk.to_string().as_bytes(),
    ] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("rsa-1".into());
        let forged =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret).unwrap())
                .unwrap();
        let r = send(post(&ep.url, Some(&forged), &body, &[])).await;
        assert_eq!(r.status, 401);
        assert_eq!(
            params(r.challenge.as_deref().unwrap())["error_description"],
            "The access token signature is invalid"
        );
    }
    // An RSA key used for ES256 (the key allows only RSA algorithms).
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("rsa-1".into());
    let ec = Signer::ec("x");
    let mixed = jsonwebtoken::encode(&header, &claims, &ec.key).unwrap();
    assert_eq!(
        send(post(&ep.url, Some(&mixed), &body, &[])).await.status,
        401
    );
}

#[tokio::test]
async fn rsa_ec_and_eddsa_signatures_verify_and_the_principal_carries_the_claims() {
    let (ec, ed) = (Signer::ec("ec-1"), Signer::ed("ed-1"));
    let idp = Idp::start(&[rsa_key(), &ec, &ed]).await;
    let ep = serve(jwt_auth(&idp)).await;
    for (signer, sub) in [(rsa_key(), "rsa-user"), (&ec, "ec-user"), (&ed, "ed-user")] {
        let mut claims = idp.claims(sub, "notes", &ep.url);
        claims["tenant"] = json!(format!("tenant-of-{sub}"));
        let token = signer.sign(&claims);
        let who = call_2026(
            &ep.url,
            Some(&token),
            "tools/call",
            json!({"name": "whoami", "arguments": {}}),
        )
        .await;
        assert_eq!((who.status, text_of(&who)), (200, sub), "{}", who.text);
        let t = call_2026(
            &ep.url,
            Some(&token),
            "tools/call",
            json!({"name": "tenant", "arguments": {}}),
        )
        .await;
        assert_eq!(text_of(&t), format!("tenant-of-{sub}"));
    }
    // A token without `kid` is tried against the keys that allow its algorithm.
    let mut header = Header::new(Algorithm::ES256);
    header.kid = None;
    let token = jsonwebtoken::encode(&header, &idp.claims("no-kid", "", &ep.url), &ec.key).unwrap();
    let who = call_2026(
        &ep.url,
        Some(&token),
        "tools/call",
        json!({"name": "whoami", "arguments": {}}),
    )
    .await;
    assert_eq!(text_of(&who), "no-kid");
}

#[tokio::test]
async fn key_rotation_refetches_the_jwks_at_most_once_per_interval() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(|url| {
        jwt_auth(&idp)(url).jwks_refresh(Duration::from_millis(400), Duration::from_secs(3600))
    })
    .await;
    let old = idp.sign_rsa("alice", "notes", &ep.url);
    assert_eq!(
        call_2026(&ep.url, Some(&old), "tools/list", json!({}))
            .await
            .status,
        200
    );
    assert_eq!(idp.fetches(), 1);

    // The issuer rotates: a new EC key appears next to the old one.
    let new = Signer::ec("ec-2");
    idp.state.keys.lock().unwrap().push(new.jwk.clone());
    tokio::time::sleep(Duration::from_millis(450)).await;
    let token = new.sign(&idp.claims("bob", "notes", &ep.url));
    assert_eq!(
        call_2026(&ep.url, Some(&token), "tools/list", json!({}))
            .await
            .status,
        200
    );
    assert_eq!(idp.fetches(), 2, "an unknown kid fetches the set again");

    // Unknown kids right after a fetch do not hammer the issuer.
    let stranger = Signer::ec("ec-3").sign(&idp.claims("eve", "notes", &ep.url));
    for _ in 0..5 {
        assert_eq!(
            call_2026(&ep.url, Some(&stranger), "tools/list", json!({}))
                .await
                .status,
            401
        );
    }
    assert_eq!(idp.fetches(), 2);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        call_2026(&ep.url, Some(&stranger), "tools/list", json!({}))
            .await
            .status,
        401
    );
    assert_eq!(idp.fetches(), 3);

    // The old key is withdrawn: tokens verified before stay cached until they expire,
    // new tokens signed with it are unknown.
    idp.state
        .keys
        .lock()
        .unwrap()
        .retain(|k| k["kid"] != "rsa-1");
    assert_eq!(
        call_2026(&ep.url, Some(&old), "tools/list", json!({}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn an_unreachable_issuer_is_503_not_401() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let ep = serve(|url| {
        Auth::jwt()
            .issuer(&dead)
            .jwks_url(format!("{dead}/jwks"))
            .resource(url)
            .timeout(Duration::from_secs(2))
    })
    .await;
    let token = rsa_key().sign(&json!({"iss": dead, "sub": "a", "aud": ep.url, "exp": now() + 60}));
    let r = send(post(
        &ep.url,
        Some(&token),
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
        &[],
    ))
    .await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert!(r.headers.contains_key("retry-after"));
    assert!(r.challenge.is_none());
}

#[tokio::test]
async fn operation_scopes_are_403_with_every_needed_scope_in_one_challenge_in_both_eras() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(jwt_auth(&idp)).await;
    let reader = idp.sign_rsa("alice", "notes:read", &ep.url);
    let owner = idp.sign_rsa("alice", "notes", &ep.url);
    let meta = metadata_url(&ep.url);
    let purge = json!({"name": "purge_notes", "arguments": {}});

    let check = |r: &Reply, scope: &str| {
        assert_eq!(r.status, 403, "{}", r.text);
        let p = params(r.challenge.as_deref().unwrap());
        assert_eq!(p["error"], "insufficient_scope");
        assert_eq!(p["scope"], scope);
        assert_eq!(p["resource_metadata"], meta);
        assert_eq!(r.body["error"]["code"], -32011);
        assert_eq!(r.body["error"]["data"]["scope"], scope);
        assert_eq!(
            r.body["id"],
            json!(r.body["id"].as_i64().unwrap()),
            "the request id is echoed"
        );
    };
    // 2026-07-28.
    check(
        &call_2026(&ep.url, Some(&reader), "tools/call", purge.clone()).await,
        "notes:delete notes:write",
    );
    let ok = call_2026(
        &ep.url,
        Some(&reader),
        "tools/call",
        json!({"name": "read_notes", "arguments": {}}),
    )
    .await;
    assert_eq!(text_of(&ok), "notes");
    // A progress request would stream; the refusal is still an HTTP 403.
    let mut with_progress = purge.clone();
    with_progress["progressToken"] = json!(1);
    check(
        &call_2026_progress(&ep.url, Some(&reader), with_progress).await,
        "notes:delete notes:write",
    );
    // `notes` implies the notes:* scopes.
    assert_eq!(
        text_of(&call_2026(&ep.url, Some(&owner), "tools/call", purge.clone()).await),
        "purged"
    );

    // Session era, same rules.
    let session = initialize(&ep.url, &reader).await;
    check(
        &call_session(
            &ep.url,
            Some(&reader),
            &session,
            "tools/call",
            purge.clone(),
        )
        .await,
        "notes:delete notes:write",
    );
    let ok = call_session(
        &ep.url,
        Some(&reader),
        &session,
        "tools/call",
        json!({"name": "read_notes", "arguments": {}}),
    )
    .await;
    assert_eq!(text_of(&ok), "notes");

    // Resource templates, prompts, completions of a scoped prompt, subscriptions.
    check(
        &call_2026(
            &ep.url,
            Some(&owner),
            "resources/read",
            json!({"uri": "secret://7"}),
        )
        .await,
        "secrets:read",
    );
    check(
        &call_2026(
            &ep.url,
            Some(&owner),
            "prompts/get",
            json!({"name": "briefing", "arguments": {"topic": "x"}}),
        )
        .await,
        "prompts:use",
    );
    let complete = json!({"ref": {"type": "ref/prompt", "name": "briefing"}, "argument": {"name": "topic", "value": "r"}});
    check(
        &call_2026(
            &ep.url,
            Some(&owner),
            "completion/complete",
            complete.clone(),
        )
        .await,
        "prompts:use",
    );
    check(
        &call_session(
            &ep.url,
            Some(&reader),
            &session,
            "resources/subscribe",
            json!({"uri": "secret://1"}),
        )
        .await,
        "secrets:read",
    );
    let all = idp.sign_rsa("root", "notes secrets:read prompts:use", &ep.url);
    let read = call_2026(
        &ep.url,
        Some(&all),
        "resources/read",
        json!({"uri": "secret://7"}),
    )
    .await;
    assert_eq!(read.body["result"]["contents"][0]["text"], "secret 7");
    let got = call_2026(&ep.url, Some(&all), "completion/complete", complete).await;
    assert_eq!(got.body["result"]["completion"]["values"], json!(["rust"]));
}

#[tokio::test]
async fn scopes_every_request_needs_are_checked_first() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(|url| jwt_auth(&idp)(url).require_scopes(["mcp"])).await;
    let none = send(post(&ep.url, None, &json!({}), &[])).await;
    assert_eq!(params(none.challenge.as_deref().unwrap())["scope"], "mcp");
    let without = idp.sign_rsa("a", "notes", &ep.url);
    let r = call_2026(
        &ep.url,
        Some(&without),
        "tools/call",
        json!({"name": "whoami", "arguments": {}}),
    )
    .await;
    assert_eq!(
        (
            r.status,
            params(r.challenge.as_deref().unwrap())["scope"].as_str()
        ),
        (403, "mcp")
    );
    let with = idp.sign_rsa("a", "mcp notes:read", &ep.url);
    let r = call_2026(
        &ep.url,
        Some(&with),
        "tools/call",
        json!({"name": "purge_notes", "arguments": {}}),
    )
    .await;
    assert_eq!(
        params(r.challenge.as_deref().unwrap())["scope"],
        "mcp notes:delete notes:write"
    );
}

#[tokio::test]
async fn require_at_run_time_is_the_same_403_challenge() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(jwt_auth(&idp)).await;
    let user = idp.sign_rsa("alice", "notes", &ep.url);
    let admin = idp.sign_rsa("root", "admin", &ep.url);
    let call = json!({"name": "admin_only", "arguments": {}});
    let r = call_2026(&ep.url, Some(&user), "tools/call", call.clone()).await;
    assert_eq!(r.status, 403, "{}", r.text);
    let p = params(r.challenge.as_deref().unwrap());
    assert_eq!(
        (p["error"].as_str(), p["scope"].as_str()),
        ("insufficient_scope", "admin")
    );
    assert_eq!(r.body["error"]["code"], -32011);
    let session = initialize(&ep.url, &user).await;
    let r = call_session(&ep.url, Some(&user), &session, "tools/call", call.clone()).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        text_of(&call_2026(&ep.url, Some(&admin), "tools/call", call).await),
        "welcome"
    );
}

#[tokio::test]
async fn lists_show_everything_by_default_and_only_what_is_permitted_when_asked() {
    let idp = Idp::start(&[rsa_key()]).await;
    let reader = |url: &str| idp.sign_rsa("alice", "notes:read", url);
    let names = |r: &Reply, key: &str, field: &str| -> Vec<String> {
        r.body["result"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t[field].as_str().unwrap().to_owned())
            .collect()
    };
    let ep = serve(jwt_auth(&idp)).await;
    let listed = call_2026(&ep.url, Some(&reader(&ep.url)), "tools/list", json!({})).await;
    assert!(names(&listed, "tools", "name").contains(&"purge_notes".to_owned()));
    assert_eq!(listed.body["result"]["cacheScope"], "public");

    let ep = serve(|url| jwt_auth(&idp)(url).hide_unpermitted()).await;
    let token = reader(&ep.url);
    let listed = call_2026(&ep.url, Some(&token), "tools/list", json!({})).await;
    let tools = names(&listed, "tools", "name");
    assert!(tools.contains(&"read_notes".to_owned()) && tools.contains(&"whoami".to_owned()));
    assert!(!tools.contains(&"purge_notes".to_owned()), "{tools:?}");
    assert_eq!(listed.body["result"]["cacheScope"], "private");
    let templates = call_2026(&ep.url, Some(&token), "resources/templates/list", json!({})).await;
    assert!(!names(&templates, "resourceTemplates", "uriTemplate")
        .contains(&"secret://{id}".to_owned()));
    let prompts = call_2026(&ep.url, Some(&token), "prompts/list", json!({})).await;
    assert!(names(&prompts, "prompts", "name").is_empty());
    let all = idp.sign_rsa("root", "notes secrets:read prompts:use", &ep.url);
    let listed = call_2026(&ep.url, Some(&all), "tools/list", json!({})).await;
    assert!(names(&listed, "tools", "name").contains(&"purge_notes".to_owned()));
    let prompts = call_2026(&ep.url, Some(&all), "prompts/list", json!({})).await;
    assert_eq!(names(&prompts, "prompts", "name"), ["briefing"]);
}

#[tokio::test]
async fn anonymous_requests_when_allowed_but_never_for_scoped_operations() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(|url| jwt_auth(&idp)(url).allow_anonymous()).await;
    let call = |name: &str| json!({"name": name, "arguments": {}});
    let anon = call_2026(&ep.url, None, "tools/call", call("maybe_whoami")).await;
    assert_eq!(text_of(&anon), "anonymous");
    let scoped = call_2026(&ep.url, None, "tools/call", call("read_notes")).await;
    assert_eq!(scoped.status, 401);
    let p = params(scoped.challenge.as_deref().unwrap());
    assert_eq!((p.get("error"), p["scope"].as_str()), (None, "notes:read"));
    // A handler that needs a Principal: 401 with a challenge, raised at run time.
    let needs = call_2026(&ep.url, None, "tools/call", call("whoami")).await;
    assert_eq!(
        (needs.status, needs.body["error"]["code"].as_i64()),
        (401, Some(-32010)),
        "{}",
        needs.text
    );
    assert!(needs.challenge.is_some());
    // A token that is sent must be valid.
    let bad = call_2026(&ep.url, Some("garbage"), "tools/call", call("maybe_whoami")).await;
    assert_eq!(bad.status, 401);
    let token = idp.sign_rsa("alice", "", &ep.url);
    assert_eq!(
        text_of(&call_2026(&ep.url, Some(&token), "tools/call", call("maybe_whoami")).await),
        "alice"
    );
}

#[tokio::test]
async fn a_session_belongs_to_the_principal_that_created_it() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(jwt_auth(&idp)).await;
    let alice = idp.sign_rsa("alice", "notes", &ep.url);
    let alice_again = rsa_key().sign(&{
        let mut c = idp.claims("alice", "notes:read", &ep.url);
        c["jti"] = json!("another token");
        c
    });
    let bob = idp.sign_rsa("bob", "notes", &ep.url);
    let session = initialize(&ep.url, &alice).await;
    let whoami = json!({"name": "whoami", "arguments": {}});
    let r = call_session(
        &ep.url,
        Some(&alice_again),
        &session,
        "tools/call",
        whoami.clone(),
    )
    .await;
    assert_eq!(
        text_of(&r),
        "alice",
        "another token of the same subject: {}",
        r.text
    );
    let stolen = call_session(&ep.url, Some(&bob), &session, "tools/call", whoami.clone()).await;
    assert_eq!(stolen.status, 404, "{}", stolen.text);
    assert_eq!(stolen.body["error"]["code"], -32001);
    let get = client()
        .get(&ep.url)
        .header("accept", "text/event-stream")
        .header("authorization", format!("Bearer {bob}"))
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25");
    assert_eq!(get.send().await.unwrap().status(), 404);
    let delete = |token: &str| {
        client()
            .delete(&ep.url)
            .header("authorization", format!("Bearer {token}"))
            .header("mcp-session-id", &session)
            .header("mcp-protocol-version", "2025-11-25")
    };
    assert_eq!(delete(&bob).send().await.unwrap().status(), 404);
    assert_eq!(
        text_of(&call_session(&ep.url, Some(&alice), &session, "tools/call", whoami).await),
        "alice"
    );
    assert_eq!(delete(&alice).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_request_state_sealed_for_one_principal_is_refused_for_another() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(jwt_auth(&idp)).await;
    let alice = idp.sign_rsa("alice", "", &ep.url);
    let bob = idp.sign_rsa("bob", "", &ep.url);
    let first = call_2026(
        &ep.url,
        Some(&alice),
        "tools/call",
        json!({"name": "confirm", "arguments": {}}),
    )
    .await;
    assert_eq!(
        first.body["result"]["resultType"], "input_required",
        "{}",
        first.text
    );
    let state = first.body["result"]["requestState"]
        .as_str()
        .unwrap()
        .to_owned();
    let retry = json!({"name": "confirm", "arguments": {},
        "inputResponses": {"go": {"action": "accept", "content": {"proceed": true}}}, "requestState": state});
    let stolen = call_2026(&ep.url, Some(&bob), "tools/call", retry.clone()).await;
    assert_eq!(stolen.body["error"]["code"], -32602, "{}", stolen.text);
    assert_eq!(
        stolen.body["error"]["message"],
        "Invalid requestState: it was sealed for another principal"
    );
    let done = call_2026(&ep.url, Some(&alice), "tools/call", retry).await;
    assert_eq!(text_of(&done), "proceed=true", "{}", done.text);
}

#[tokio::test]
async fn introspection_verifies_opaque_tokens_and_caches_answers_until_they_expire() {
    let idp = Idp::start(&[]).await;
    let ep = serve(|url| {
        Auth::introspection(format!("{}/introspect", idp.issuer), CLIENT.0, CLIENT.1)
            .issuer(&idp.issuer)
            .resource(url)
    })
    .await;
    let t = now();
    let answers = [
        (
            "opaque-alice",
            json!({"active": true, "sub": "alice", "scope": "notes:read", "aud": ep.url, "iss": idp.issuer, "exp": t + 300}),
        ),
        (
            "opaque-soon",
            json!({"active": true, "sub": "soon", "aud": [ep.url], "exp": t + 2}),
        ),
        (
            "opaque-foreign",
            json!({"active": true, "sub": "x", "aud": "https://other.example", "exp": t + 300}),
        ),
        (
            "opaque-other-iss",
            json!({"active": true, "sub": "x", "aud": ep.url, "iss": "https://evil.example", "exp": t + 300}),
        ),
        ("opaque-revoked", json!({"active": false})),
    ];
    for (token, answer) in answers {
        idp.state
            .answers
            .lock()
            .unwrap()
            .insert(token.into(), answer);
    }
    let count = || idp.state.introspections.load(Ordering::SeqCst);
    let whoami = json!({"name": "whoami", "arguments": {}});
    for _ in 0..3 {
        let r = call_2026(&ep.url, Some("opaque-alice"), "tools/call", whoami.clone()).await;
        assert_eq!(text_of(&r), "alice", "{}", r.text);
    }
    assert_eq!(count(), 1, "one introspection per token, then the cache");
    let purge = call_2026(
        &ep.url,
        Some("opaque-alice"),
        "tools/call",
        json!({"name": "purge_notes", "arguments": {}}),
    )
    .await;
    assert_eq!(purge.status, 403);
    for (token, description) in [
        ("opaque-revoked", "The access token is not active"),
        ("opaque-unknown", "The access token is not active"),
        (
            "opaque-foreign",
            "The access token was not issued for this server (audience)",
        ),
        (
            "opaque-other-iss",
            "The access token was issued by another authorization server",
        ),
    ] {
        let r = call_2026(&ep.url, Some(token), "tools/call", whoami.clone()).await;
        assert_eq!(r.status, 401, "{token}");
        assert_eq!(
            params(r.challenge.as_deref().unwrap())["error_description"],
            description
        );
    }
    let before = count();
    assert_eq!(
        text_of(&call_2026(&ep.url, Some("opaque-soon"), "tools/call", whoami.clone()).await),
        "soon"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // Expired in the cache: introspected again, and the answer now says expired.
    let r = call_2026(&ep.url, Some("opaque-soon"), "tools/call", whoami.clone()).await;
    assert_eq!(r.status, 401);
    assert_eq!(count(), before + 2);

    // Wrong client credentials: the endpoint cannot check tokens, which is a 503.
    let ep = serve(|url| {
        Auth::introspection(format!("{}/introspect", idp.issuer), CLIENT.0, "wrong")
            .issuer(&idp.issuer)
            .resource(url)
    })
    .await;
    assert_eq!(
        call_2026(&ep.url, Some("opaque-alice"), "tools/call", whoami)
            .await
            .status,
        503
    );
}

#[tokio::test]
async fn the_cache_is_bounded() {
    let idp = Idp::start(&[]).await;
    let ep = serve(|url| {
        Auth::introspection(format!("{}/introspect", idp.issuer), CLIENT.0, CLIENT.1)
            .issuer(&idp.issuer)
            .resource(url)
            .cache_capacity(2)
    })
    .await;
    for i in 0..20 {
        let answer =
            json!({"active": true, "sub": format!("u{i}"), "aud": ep.url, "exp": now() + 300});
        idp.state
            .answers
            .lock()
            .unwrap()
            .insert(format!("t{i}"), answer);
    }
    let whoami = json!({"name": "whoami", "arguments": {}});
    for round in 0..2 {
        for i in 0..20 {
            let r = call_2026(
                &ep.url,
                Some(&format!("t{i}")),
                "tools/call",
                whoami.clone(),
            )
            .await;
            assert_eq!(text_of(&r), format!("u{i}"), "round {round}");
        }
    }
    // Twenty tokens through a cache of two: nearly every call introspects again.
    assert!(idp.state.introspections.load(Ordering::SeqCst) >= 36);
}

#[tokio::test]
async fn tokens_never_appear_in_responses_or_logs() {
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(jwt_auth(&idp)).await;
    let mut claims = idp.claims("leaky", "notes:read", &ep.url);
    claims["marker"] = json!("a-claim-that-makes-this-token-unique");
    let good = rsa_key().sign(&claims);
    let mut expired = claims.clone();
    expired["exp"] = json!(now() - 600);
    let expired = rsa_key().sign(&expired);
    let forged = format!("{}x", &good[..good.len() - 1]);
    let mut seen = String::new();
    for token in [&good, &expired, &forged] {
        for (method, params) in [
            (
                "tools/call",
                json!({"name": "purge_notes", "arguments": {}}),
            ),
            ("tools/call", json!({"name": "admin_only", "arguments": {}})),
            ("tools/call", json!({"name": "read_notes", "arguments": {}})),
        ] {
            let r = call_2026(&ep.url, Some(token), method, params).await;
            seen.push_str(&format!("{:?}\n{}\n", r.headers, r.text));
        }
        let r = send(post(
            &format!("{}?access_token={token}", ep.url),
            None,
            &json!({}),
            &[],
        ))
        .await;
        seen.push_str(&format!("{:?}\n{}\n", r.headers, r.text));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let logs = String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned();
    assert!(
        logs.contains("access token refused"),
        "the refusals were logged (at debug)"
    );
    for token in [&good, &expired, &forged] {
        let signature = token.rsplit('.').next().unwrap();
        assert!(!seen.contains(signature), "a response carried a token");
        assert!(!logs.contains(signature), "the logs carry a token");
    }
}

#[tokio::test]
async fn invalid_configurations_fail_to_serve() {
    let listener = || async { tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap() };
    let cases = [
        (
            Auth::jwt()
                .issuer("https://idp")
                .jwks_url("https://idp/jwks"),
            "set the server's canonical URI",
        ),
        (
            Auth::jwt()
                .issuer("https://idp")
                .jwks_url("https://idp/jwks")
                .resource("http://example.com/mcp"),
            "must be https",
        ),
        (
            Auth::jwt()
                .issuer("https://idp")
                .jwks_url("https://idp/jwks")
                .resource("https://h/mcp#frag"),
            "no fragment",
        ),
        (
            Auth::jwt()
                .jwks_url("https://idp/jwks")
                .resource("https://h/mcp"),
            "needs .issuer",
        ),
        (
            Auth::introspection("https://idp/i", "a", "b")
                .jwks_url("x")
                .resource("https://h/mcp"),
            "jwks_url applies",
        ),
        (
            Auth::jwt()
                .issuer("https://idp")
                .jwks_url("https://idp/jwks")
                .resource("https://h/mcp")
                .require_scopes(["two words"]),
            "scope",
        ),
    ];
    for (auth, why) in cases {
        let e = auth.validate().unwrap_err();
        assert!(e.to_string().contains(why), "{e}");
        let served = Server::from_registry()
            .serve_http_on(listener().await, HttpConfig::default().auth(auth), async {})
            .await;
        assert!(served.unwrap_err().to_string().contains(why));
    }
}

#[tokio::test]
async fn the_metadata_service_mounts_next_to_the_endpoint_in_axum() {
    let idp = Idp::start(&[rsa_key()]).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let resource = format!("{origin}/api/mcp");
    let mcp = Server::from_registry()
        .build()
        .unwrap()
        .http_service(HttpConfig::default().auth(jwt_auth(&idp)(&resource)));
    assert_eq!(
        mcp.metadata_paths(),
        [
            "/.well-known/oauth-protected-resource/api/mcp",
            "/.well-known/oauth-protected-resource"
        ]
    );
    let mut app = axum::Router::new().nest_service("/api/mcp", mcp.clone());
    for path in mcp.metadata_paths() {
        app = app.route_service(path, mcp.metadata_service());
    }
    tokio::spawn(async move { axum::serve(listener, app).await });
    let doc: Value = client()
        .get(format!(
            "{origin}/.well-known/oauth-protected-resource/api/mcp"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["resource"], resource);
    let r = send(post(&resource, None, &json!({}), &[])).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        params(r.challenge.as_deref().unwrap())["resource_metadata"],
        format!("{origin}/.well-known/oauth-protected-resource/api/mcp")
    );
    let token = idp.sign_rsa("alice", "notes", &resource);
    let ok = call_2026(
        &resource,
        Some(&token),
        "tools/call",
        json!({"name": "whoami", "arguments": {}}),
    )
    .await;
    assert_eq!(text_of(&ok), "alice");
}

#[tokio::test]
async fn mounted_tools_keep_their_scopes_and_layers_see_the_principal() {
    let idp = Idp::start(&[rsa_key()]).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let child = Server::builder()
        .without_registry()
        .tool(
            ToolDef::new("wipe", |call: ToolCall| async move {
                let who = call.context().principal().map(|p| p.subject().to_owned());
                format!("wiped for {}", who.unwrap_or_default())
            })
            .scopes(["notes:delete"]),
        )
        .build()
        .unwrap();
    let log = seen.clone();
    let server = Server::builder()
        .without_registry()
        .mount("ops", child)
        .layer(from_fn(move |call: ToolCall, next: Next| {
            let log = log.clone();
            async move {
                let key = call.principal().map(str::to_owned);
                log.lock().unwrap().push((call.tool_name().to_owned(), key));
                next.run(call).await
            }
        }));
    let ep = serve_server(server, jwt_auth(&idp)).await;
    let reader = idp.sign_rsa("alice", "notes:read", &ep.url);
    let owner = idp.sign_rsa("alice", "notes", &ep.url);
    let wipe = json!({"name": "ops_wipe", "arguments": {}});

    let refused = call_2026(&ep.url, Some(&reader), "tools/call", wipe.clone()).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let p = params(refused.challenge.as_deref().unwrap());
    assert_eq!(
        (p["error"].as_str(), p["scope"].as_str()),
        ("insufficient_scope", "notes:delete")
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "refused before any layer runs"
    );

    let ok = call_2026(&ep.url, Some(&owner), "tools/call", wipe).await;
    assert_eq!(text_of(&ok), "wiped for alice");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, "ops_wipe");
    let key = seen[0]
        .1
        .as_deref()
        .expect("the layer sees the authenticated principal");
    assert_eq!(key.len(), 64, "the principal's owner key: {key}");
}

/// A refusal sent before the body is read closes the connection and says so: hyper cannot
/// reuse a connection whose request body is still unread, and a client that was not told
/// would send its retry (with the token) into a closed socket.
#[tokio::test]
async fn a_refusal_before_the_body_is_read_says_connection_close() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let idp = Idp::start(&[rsa_key()]).await;
    let ep = serve(jwt_auth(&idp)).await;
    let addr = ep
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Headers only: the body (Content-Length: 64) never comes.
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: 64\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf))
            .await
            .expect("the refusal comes without the body")
            .unwrap();
        assert!(n > 0, "closed without a response");
        got.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&got).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 401"), "{head}");
    assert!(head.contains("\r\nconnection: close\r\n"), "{head}");
}
