//! How a link to a server ends: one token its tasks and waiters watch, and the first
//! reason given, for the errors of everything that used it.

use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

use super::ClientError;

pub(super) struct Closing {
    /// Cancelled once the link is closed.
    pub(super) token: CancellationToken,
    reason: Mutex<Option<String>>,
    /// The reason reported when the link was closed without one.
    unstated: &'static str,
}

impl Closing {
    /// An open link; `unstated` is what its errors say if it is closed without a reason.
    pub(super) fn new(unstated: &'static str) -> Self {
        Closing {
            token: CancellationToken::new(),
            reason: Mutex::new(None),
            unstated,
        }
    }

    /// True once the link is closed (cheaper than its reason: no lock, no copy).
    pub(super) fn is_closed(&self) -> bool {
        self.token.is_cancelled()
    }

    pub(super) fn reason(&self) -> Option<String> {
        self.reason.lock().expect("reason lock").clone()
    }

    /// The error of a use of the closed link: its reason, if it was given one.
    pub(super) fn error(&self) -> ClientError {
        ClientError::Closed(self.reason().unwrap_or_else(|| self.unstated.into()))
    }

    /// Closes the link; the first reason given is the one reported.
    pub(super) fn close(&self, reason: String) {
        self.reason
            .lock()
            .expect("reason lock")
            .get_or_insert(reason);
        self.token.cancel();
    }
}
