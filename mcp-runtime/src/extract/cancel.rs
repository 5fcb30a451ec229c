//! A request's cancellation: the transport's token (HTTP), or a flag the connection sets
//! (stdio, in memory), with a token made only for a handler that asks for one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use tokio_util::sync::CancellationToken;

/// Where a request's cancellation is kept.
pub(crate) enum CancelSlot {
    /// The transport's own (HTTP: the exchange's). Not a `OnceLock` set up front: setting
    /// one runs its `Once`, on every request.
    Given(CancellationToken),
    /// Made when someone asks: most requests finish without anyone asking.
    Lazy(OnceLock<Arc<Flag>>),
}

impl CancelSlot {
    /// The transport's token, or a flag made on first use.
    pub(crate) fn new(given: Option<CancellationToken>) -> CancelSlot {
        match given {
            Some(token) => CancelSlot::Given(token),
            None => CancelSlot::Lazy(OnceLock::new()),
        }
    }

    /// The token handlers see.
    pub(crate) fn token(&self) -> &CancellationToken {
        match self {
            CancelSlot::Given(token) => token,
            CancelSlot::Lazy(flag) => flag.get_or_init(Arc::default).token(),
        }
    }

    /// True once the request was cancelled.
    pub(crate) fn is_cancelled(&self) -> bool {
        match self {
            CancelSlot::Given(token) => token.is_cancelled(),
            CancelSlot::Lazy(flag) => flag.get().is_some_and(|f| f.is_cancelled()),
        }
    }

    /// What cancels the request from outside it (the connection, on the client's
    /// `notifications/cancelled`), and what the dispatcher waits on.
    pub(crate) fn canceller(&self) -> Canceller {
        match self {
            CancelSlot::Given(token) => Canceller::Token(token.clone()),
            CancelSlot::Lazy(flag) => Canceller::Flag(flag.get_or_init(Arc::default).clone()),
        }
    }
}

/// A request's cancellation when the transport gave no token. The dispatcher's wait on
/// it is an atomic and a waker, where a token's waiter locks the token's node to
/// register and again to unregister, and each clone and drop of a token locks it too:
/// ≈1.4k instructions for every request that does not finish on its first poll.
#[derive(Default)]
pub(crate) struct Flag {
    cancelled: AtomicBool,
    /// The dispatcher, waiting for the request.
    waker: AtomicWaker,
    /// Made for a handler that asks; fired with the flag.
    token: OnceLock<CancellationToken>,
}

impl Flag {
    fn cancel(&self) {
        // Set before the token is looked at: a token made meanwhile sees the flag.
        self.cancelled.store(true, Ordering::SeqCst);
        if let Some(token) = self.token.get() {
            token.cancel();
        }
        self.waker.wake();
    }

    /// The flag, or the handler's token if it cancelled that itself.
    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
            || self
                .token
                .get()
                .is_some_and(CancellationToken::is_cancelled)
    }

    fn token(&self) -> &CancellationToken {
        let token = self.token.get_or_init(CancellationToken::new);
        // A cancel that came before the token existed found none to fire.
        if self.cancelled.load(Ordering::SeqCst) {
            token.cancel();
        }
        token
    }
}

/// Cancels one request: the connection keeps one per request in flight.
#[derive(Clone)]
pub(crate) enum Canceller {
    Token(CancellationToken),
    Flag(Arc<Flag>),
}

impl Canceller {
    pub(crate) fn cancel(&self) {
        match self {
            Canceller::Token(token) => token.cancel(),
            Canceller::Flag(flag) => flag.cancel(),
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        match self {
            Canceller::Token(token) => token.is_cancelled(),
            Canceller::Flag(flag) => flag.is_cancelled(),
        }
    }

    /// The token to wait on, if the request has one of the transport's (a flag is polled
    /// with [`poll_flag`](Self::poll_flag)).
    pub(crate) fn token(&self) -> Option<&CancellationToken> {
        match self {
            Canceller::Token(token) => Some(token),
            Canceller::Flag(_) => None,
        }
    }

    /// `Ready` once a flag was cancelled, registering `cx` to be woken when it is.
    pub(crate) fn poll_flag(&self, cx: &mut Context<'_>) -> Poll<()> {
        let Canceller::Flag(flag) = self else {
            return Poll::Pending;
        };
        if flag.cancelled.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        flag.waker.register(cx.waker());
        // A cancel between the load and the registration woke nobody.
        if flag.cancelled.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_flag_fires_the_token_made_before_or_after() {
        let before = CancelSlot::new(None);
        let token = before.token().clone();
        let canceller = before.canceller();
        assert!(!before.is_cancelled() && !token.is_cancelled());
        canceller.cancel();
        assert!(before.is_cancelled() && token.is_cancelled() && canceller.is_cancelled());

        let after = CancelSlot::new(None);
        after.canceller().cancel();
        assert!(after.is_cancelled());
        assert!(after.token().is_cancelled());
    }

    #[test]
    fn a_handler_that_cancels_its_own_token_cancels_the_request() {
        let slot = CancelSlot::new(None);
        let canceller = slot.canceller();
        slot.token().cancel();
        assert!(slot.is_cancelled() && canceller.is_cancelled());
    }

    #[test]
    fn the_waiter_on_a_flag_is_woken_by_its_cancel() {
        let slot = CancelSlot::new(None);
        let canceller = slot.canceller();
        let woken = Arc::new(Woken::default());
        let waker = std::task::Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(canceller.poll_flag(&mut cx).is_pending());
        slot.canceller().cancel();
        assert!(woken.0.load(Ordering::SeqCst));
        assert!(canceller.poll_flag(&mut cx).is_ready());
    }

    #[derive(Default)]
    struct Woken(AtomicBool);
    impl std::task::Wake for Woken {
        fn wake(self: Arc<Self>) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}
