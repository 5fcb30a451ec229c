//! `subscriptions/listen`: one long-lived request per notification stream.

use serde::Deserialize;
use serde_json::json;

use super::Filter;
use crate::dispatch::{Dispatcher, MethodResult};
use crate::error::{Error, ErrorKind};
use crate::extract::Context;
use crate::protocol::jsonrpc;
use crate::protocol::meta::SUBSCRIPTION_ID;

/// `subscriptions/listen` (2026 era): acknowledges, then holds the request open while the
/// hub writes matching notifications to its stream, until the client cancels it (no
/// response) or the server closes subscriptions (a final `complete` result).
pub(crate) async fn listen(
    d: &Dispatcher,
    params: Option<&serde_json::value::RawValue>,
    ctx: Context,
) -> Result<MethodResult, Error> {
    #[derive(Deserialize)]
    struct P {
        #[serde(default)]
        notifications: Filter,
    }
    let p: P = serde_json::from_str(params.map_or("{}", |p| p.get()))
        .map_err(|e| Error::invalid_params(format!("Invalid params: {e}")))?;
    let honoured = p
        .notifications
        .honoured(&d.server.capabilities(crate::protocol::Era::Sessionless));
    let id = ctx.request_id().clone();
    let closing = d.server.hub.closing();
    let ack = json!({ "_meta": { SUBSCRIPTION_ID: id }, "notifications": honoured });
    // Registered only after the ack is queued, so nothing on this subscription precedes it.
    ctx.scope
        .out()
        .send(jsonrpc::notification(
            "notifications/subscriptions/acknowledged",
            &ack,
        ))
        .await;
    let _guard = d.server.hub.listen(
        id.clone(),
        honoured,
        ctx.scope.out().clone(),
        ctx.scope.cancel_token().clone(),
    );
    tokio::select! {
        _ = ctx.cancelled() => Err(Error::new(ErrorKind::Cancelled, "subscription cancelled")),
        _ = closing.cancelled() => {
            let body = json!({ "resultType": "complete", "_meta": { SUBSCRIPTION_ID: id } });
            Ok(MethodResult::Raw(serde_json::to_vec(&body)?))
        }
    }
}
