//! A connection's reading and writing halves, polled as one task that does not wake
//! itself when one half hands the other work.
//!
//! A reply is queued for the writer, and the queue wakes the waker the writer last polled
//! with. With the task's own waker (`tokio::join!`) that wakes the running task, which
//! Tokio's multi-threaded scheduler takes as a yield: the task goes to the back of the run
//! queue and a parked worker is woken to steal it. A client that sends one request at a
//! time paid that for every reply: a futex wake-up, and a worker that took over the IO
//! driver while the other parked (`strace`: two `futex` calls per request). The reading
//! half wakes itself too: `FuturesUnordered` (its requests that only wait, a proxy's) wakes
//! the task whenever it has polled every future it holds, and did so for every proxied
//! call. Here each half has a waker of its own: woken while the task is in its poll, it
//! marks the half to be polled (again) before the poll ends; woken from anywhere else (the
//! input turning readable, a spawned request's reply, a notification), it wakes the task.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;

/// The task both halves run in.
struct Task {
    /// The task is in its poll: a wake-up now is seen before the poll ends.
    polling: AtomicBool,
    waker: AtomicWaker,
}

/// One half's waker.
struct Half {
    /// The half asked to be polled.
    woken: AtomicBool,
    task: Arc<Task>,
}

impl Wake for Half {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Both `SeqCst`: either the poll sees `woken` after clearing `polling`, or this
        // sees `polling` cleared and wakes the task.
        self.woken.store(true, Ordering::SeqCst);
        if !self.task.polling.load(Ordering::SeqCst) {
            self.task.waker.wake();
        }
    }
}

impl Half {
    fn new(task: &Arc<Task>) -> Arc<Half> {
        Arc::new(Half {
            woken: AtomicBool::new(true),
            task: task.clone(),
        })
    }

    /// Polls `fut` if this half was woken, and once more if it woke itself meanwhile (a
    /// half that keeps waking itself, out of budget say, then waits for the task's next
    /// turn).
    fn poll<F: Future>(
        self: &Arc<Self>,
        waker: &Waker,
        fut: Pin<&mut F>,
        out: &mut Option<F::Output>,
    ) {
        let mut fut = fut;
        for _ in 0..2 {
            if out.is_some() || !self.woken.swap(false, Ordering::SeqCst) {
                return;
            }
            if let Poll::Ready(v) = fut.as_mut().poll(&mut Context::from_waker(waker)) {
                *out = Some(v);
            }
        }
    }

    fn pending(&self, out_is_none: bool) -> bool {
        out_is_none && self.woken.load(Ordering::SeqCst)
    }
}

/// Runs `reading` and `writing` to completion in the calling task, each polled when it
/// was woken, `writing` right after `reading` in the same poll.
pub(super) async fn both<R, W>(reading: R, writing: W) -> (R::Output, W::Output)
where
    R: Future,
    W: Future,
{
    let mut reading = pin!(reading);
    let mut writing = pin!(writing);
    let (mut read, mut written) = (None, None);
    let task = Arc::new(Task {
        polling: AtomicBool::new(false),
        waker: AtomicWaker::new(),
    });
    let (reader, writer) = (Half::new(&task), Half::new(&task));
    let (reader_waker, writer_waker) = (Waker::from(reader.clone()), Waker::from(writer.clone()));
    std::future::poll_fn(|cx| {
        task.waker.register(cx.waker());
        task.polling.store(true, Ordering::SeqCst);
        reader.poll(&reader_waker, reading.as_mut(), &mut read);
        writer.poll(&writer_waker, writing.as_mut(), &mut written);
        task.polling.store(false, Ordering::SeqCst);
        if reader.pending(read.is_none()) || writer.pending(written.is_none()) {
            // Woken during the poll after its turn (or from another thread meanwhile).
            cx.waker().wake_by_ref();
        }
        if read.is_some() && written.is_some() {
            Poll::Ready((read.take().expect("read"), written.take().expect("written")))
        } else {
            Poll::Pending
        }
    })
    .await
}

/// Runs `fut` alone in the calling task the same way: woken during its own poll (a
/// hyper connection hands a request's body to the service it polls itself), it is polled
/// again before the poll ends instead of waking its task.
#[cfg_attr(not(feature = "http"), allow(dead_code))]
pub(super) async fn alone<F: Future>(fut: F) -> F::Output {
    both(fut, std::future::ready(())).await.0
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::Mutex;

    use super::*;

    /// Counts the wake-ups of the task `both` runs in.
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The writer gets what the reader queued in the same poll, without a wake-up of the
    /// task (`tokio::join!` wakes it: the writer last polled with the task's waker).
    #[test]
    fn a_reply_queued_by_the_reader_is_written_in_the_same_poll_without_a_wake_up() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
        let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
        let got = Arc::new(Mutex::new(Vec::new()));
        let seen = got.clone();
        let reading = async move {
            go_rx.await.unwrap();
            tx.send(1).unwrap();
            std::future::pending::<()>().await
        };
        let writing = async move {
            while let Some(v) = rx.recv().await {
                seen.lock().unwrap().push(v);
            }
        };
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let mut cx = Context::from_waker(&waker);
        let mut both = Box::pin(both(reading, writing));
        // The reader waits for `go`, the writer for a reply.
        assert!(both.as_mut().poll(&mut cx).is_pending());
        go_tx.send(()).unwrap();
        assert_eq!(
            counter.0.swap(0, Ordering::SeqCst),
            1,
            "`go` wakes the task"
        );
        // The reader queues a reply: the writer takes it in this poll, and nobody wakes
        // the task again.
        assert!(both.as_mut().poll(&mut cx).is_pending());
        assert_eq!(*got.lock().unwrap(), vec![1]);
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            0,
            "no wake-up of the task"
        );
    }

    /// A writer woken from another task while this one waits is polled again: the reader
    /// here waits for the writer to pass on a value sent from elsewhere.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_writer_woken_from_elsewhere_wakes_the_task() {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<u32>(4);
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<u32>();
        let reading = async move { done_rx.await.unwrap() };
        let writing = async move {
            let v = rx.recv().await.unwrap();
            done_tx.send(v).unwrap();
            v
        };
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            tx.send(7).await.unwrap();
        });
        let joined =
            tokio::time::timeout(std::time::Duration::from_secs(5), both(reading, writing));
        assert_eq!(joined.await.expect("a lost wake-up"), (7, 7));
    }

    /// A reading half that wakes itself on every poll, done at its `done_at`-th poll
    /// (never if `None`), and how often it was polled.
    fn self_waking(done_at: Option<usize>) -> (impl Future<Output = ()>, Arc<AtomicUsize>) {
        let polls = Arc::new(AtomicUsize::new(0));
        let counted = polls.clone();
        let reading = std::future::poll_fn(move |cx| {
            let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
            if Some(n) == done_at {
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        });
        (reading, polls)
    }

    /// Polls `both(reading, pending)` `times` times; the wake-ups of its task.
    fn poll_both(reading: impl Future<Output = ()>, times: usize) -> usize {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let mut both = Box::pin(both(reading, std::future::pending::<()>()));
        for _ in 0..times {
            let polled = both.as_mut().poll(&mut Context::from_waker(&waker));
            assert!(polled.is_pending(), "the writer never ends");
        }
        counter.0.load(Ordering::SeqCst)
    }

    /// A reading half that wakes itself once in its poll (`FuturesUnordered` does, after
    /// polling all it holds) is polled again in the same poll: no wake-up of the task.
    #[test]
    fn a_half_that_woke_itself_once_is_polled_again_without_a_wake_up() {
        let (reading, polls) = self_waking(Some(2));
        assert_eq!(poll_both(reading, 1), 0, "no wake-up of the task");
        assert_eq!(polls.load(Ordering::SeqCst), 2);
    }

    /// `alone` does the same for one future: woken during its own poll (a hyper
    /// connection's body handed to the service it polls), it is polled again in that poll
    /// and its task is not woken (Tokio would take that as a yield and wake a second
    /// worker to steal the task).
    #[test]
    fn a_future_alone_that_woke_itself_is_polled_again_without_a_wake_up() {
        let (fut, polls) = self_waking(Some(2));
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let mut alone = Box::pin(alone(fut));
        let polled = alone.as_mut().poll(&mut Context::from_waker(&waker));
        assert!(polled.is_ready(), "done in the first poll");
        assert_eq!(polls.load(Ordering::SeqCst), 2);
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            0,
            "no wake-up of the task"
        );
    }

    /// A half that wakes itself on every poll (out of Tokio's budget) is polled twice a
    /// turn, then the task yields (is woken) for the next.
    #[test]
    fn a_half_that_keeps_waking_itself_yields_the_task() {
        let (reading, polls) = self_waking(None);
        assert_eq!(
            poll_both(reading, 2),
            2,
            "the task is woken to yield, each turn"
        );
        assert_eq!(polls.load(Ordering::SeqCst), 4);
    }
}
