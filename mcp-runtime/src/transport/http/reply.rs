//! Building HTTP responses: statuses for JSON-RPC errors, error bodies, SSE headers.

use http::header::{HeaderName, HeaderValue, CACHE_CONTROL, CONNECTION, CONTENT_TYPE};
use http::{Response, StatusCode};

use super::body::ResponseBody;
use crate::protocol::jsonrpc::{self, code};
use crate::protocol::{Era, ErrorObject, RequestId};

pub(super) const APPLICATION_JSON: &str = "application/json";
pub(super) const TEXT_EVENT_STREAM: &str = "text/event-stream";
/// JSON-RPC code of transport-level session errors (unknown session), as other SDKs use.
pub(super) const SESSION_NOT_FOUND: i64 = -32001;

/// The HTTP status of a dispatcher reply. Session-era errors travel in a 200 response
/// like any other JSON-RPC message; the 2026-07-28 era gives them HTTP meaning.
pub(super) fn status_for(era: Era, error_code: Option<i64>) -> StatusCode {
    match (era, error_code) {
        (Era::Sessionless, Some(code::METHOD_NOT_FOUND)) => StatusCode::NOT_FOUND,
        (
            Era::Sessionless,
            Some(
                code::INVALID_PARAMS
                | code::INVALID_REQUEST
                | code::PARSE_ERROR
                | code::HEADER_MISMATCH
                | code::MISSING_CLIENT_CAPABILITY
                | code::UNSUPPORTED_PROTOCOL_VERSION,
            ),
        ) => StatusCode::BAD_REQUEST,
        (Era::Sessionless, Some(code::INTERNAL_ERROR)) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::OK,
    }
}

/// A JSON body with the given status.
pub(super) fn json(status: StatusCode, body: Vec<u8>) -> Response<ResponseBody> {
    let mut res = Response::new(ResponseBody::full(body));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(APPLICATION_JSON));
    res
}

/// A JSON-RPC error response (echoing `id` when known) with an HTTP error status.
pub(super) fn error(
    status: StatusCode,
    id: Option<&RequestId>,
    code: i64,
    message: impl Into<String>,
) -> Response<ResponseBody> {
    let error = ErrorObject {
        code,
        message: message.into(),
        data: None,
    };
    json(status, jsonrpc::error_response(id, &error))
}

/// `res`, marked as the connection's last: for refusals sent before the request body was
/// read. hyper closes such a connection after the response (it cannot tell where the next
/// request would start); without the header a client would send its next request, such as
/// the retry with a token after a 401, into the closed socket.
pub(super) fn closing(mut res: Response<ResponseBody>) -> Response<ResponseBody> {
    res.headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    res
}

/// A status with no body.
pub(super) fn status(status: StatusCode) -> Response<ResponseBody> {
    let mut res = Response::new(ResponseBody::empty());
    *res.status_mut() = status;
    res
}

/// 405 with the methods the endpoint does allow.
pub(super) fn method_not_allowed(allow: &'static str) -> Response<ResponseBody> {
    let mut res = error(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        code::INVALID_REQUEST,
        format!("Method Not Allowed: this endpoint accepts {allow}"),
    );
    res.headers_mut()
        .insert(http::header::ALLOW, HeaderValue::from_static(allow));
    res
}

/// An SSE response around `body`.
pub(super) fn sse(
    body: ResponseBody,
    extra: &[(HeaderName, HeaderValue)],
) -> Response<ResponseBody> {
    let mut res = Response::new(body);
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(TEXT_EVENT_STREAM));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    for (name, value) in extra {
        h.insert(name.clone(), value.clone());
    }
    res
}
