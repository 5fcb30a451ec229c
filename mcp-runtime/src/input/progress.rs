//! Progress a client reports on a request the server sent it (session era only: the
//! 2026-07-28 revision made progress server-to-client only).
//!
//! An [`Ask`](super::Ask) made with [`on_progress`](super::Ask::on_progress) carries
//! `_meta.progressToken` (its own request id); the client's `notifications/progress` for
//! that token reach the callback while the request waits for its answer, wherever the
//! request waits (another instance's, through the cluster channel), and each one restarts
//! the wait for the answer: the timeout bounds the client's silence, not its work.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use tokio::sync::Notify;

use crate::protocol::jsonrpc::Notification;
use crate::protocol::types::ProgressNotificationParams;
use crate::protocol::RequestId;

/// Progress the client reported on a server-to-client request (see
/// [`Ask::on_progress`](super::Ask::on_progress)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClientProgress {
    /// Progress so far; every report is higher than the last.
    pub progress: f64,
    /// Total, when the client knows it.
    pub total: Option<f64>,
    /// Human-readable status.
    pub message: Option<String>,
}

/// The callback of [`Ask::on_progress`](super::Ask::on_progress).
pub(crate) type ProgressFn = Arc<dyn Fn(ClientProgress) + Send + Sync>;

/// Where one waiting request's progress goes.
pub(crate) struct ProgressSink {
    on: ProgressFn,
    last: Mutex<Option<f64>>,
    heard: Notify,
}

impl ProgressSink {
    pub(crate) fn new(on: ProgressFn) -> Arc<Self> {
        Arc::new(ProgressSink {
            on,
            last: Mutex::new(None),
            heard: Notify::new(),
        })
    }

    /// Hands a report to the callback, unless it does not increase (the spec requires
    /// it to; a repeated or reordered report is dropped).
    pub(crate) fn report(&self, p: &ProgressNotificationParams) {
        {
            let mut last = self.last.lock().expect("progress lock");
            if last.is_some_and(|l| p.progress <= l) || !p.progress.is_finite() {
                return;
            }
            *last = Some(p.progress);
        }
        (self.on)(ClientProgress {
            progress: p.progress,
            total: p.total,
            message: p.message.clone(),
        });
        self.heard.notify_one();
    }
}

/// Resolves when the client reports progress on the request (never without a sink).
pub(crate) async fn heard(sink: Option<&ProgressSink>) {
    match sink {
        Some(sink) => sink.heard.notified().await,
        None => std::future::pending().await,
    }
}

/// The params of a `notifications/progress`; `None` for other notifications and for
/// params that are not a progress report.
pub(crate) fn params(n: &Notification) -> Option<ProgressNotificationParams> {
    if &*n.method != "notifications/progress" {
        return None;
    }
    serde_json::from_str(n.params.as_deref()?.get()).ok()
}

/// `params` with `_meta.progressToken` set to `token` (other `_meta` keys kept).
pub(crate) fn with_token(params: &Value, token: &RequestId) -> Value {
    let mut params = match params {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    let meta = params
        .entry("_meta")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    if let Value::Object(meta) = meta {
        meta.insert(
            "progressToken".into(),
            serde_json::to_value(token).unwrap_or(Value::Null),
        );
    }
    Value::Object(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(progress: f64) -> ProgressNotificationParams {
        ProgressNotificationParams {
            progress_token: RequestId::Number(1),
            progress,
            total: None,
            message: None,
        }
    }

    #[test]
    fn only_increasing_reports_reach_the_callback() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = ProgressSink::new({
            let seen = seen.clone();
            Arc::new(move |p: ClientProgress| seen.lock().unwrap().push(p.progress))
        });
        for p in [1.0, 1.0, 3.0, 2.0, f64::NAN, 4.5] {
            sink.report(&report(p));
        }
        assert_eq!(*seen.lock().unwrap(), vec![1.0, 3.0, 4.5]);
    }

    #[test]
    fn the_token_joins_existing_meta() {
        let p = serde_json::json!({"message": "hi", "_meta": {"x": 1}});
        assert_eq!(
            with_token(&p, &RequestId::String("a-1".into())),
            serde_json::json!({"message": "hi", "_meta": {"x": 1, "progressToken": "a-1"}})
        );
        assert_eq!(
            with_token(&serde_json::json!({}), &RequestId::Number(4)),
            serde_json::json!({"_meta": {"progressToken": 4}})
        );
    }
}
