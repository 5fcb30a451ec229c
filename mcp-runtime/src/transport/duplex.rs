//! A connection's reading and writing halves, polled as one task without the task waking
//! itself when the reading half hands the writing half a reply.
//!
//! A reply is queued for the writer, and the queue wakes the waker the writer last polled
//! with. With the task's own waker (`tokio::join!`) that wakes the running task, which
//! Tokio's multi-threaded scheduler takes as a yield: the task goes to the back of the run
//! queue and a parked worker is woken to steal it. A client that sends one request at a
//! time paid that for every reply: a futex wake-up, and a worker that took over the IO
//! driver while the other parked (`strace`: two `futex` calls per request). Here the writer
//! has a waker of its own: woken while the task is in its poll, it only marks the writer
//! to be polled before the poll ends; woken from anywhere else (a spawned request's reply,
//! a notification, the output turning writable), it wakes the task.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;

/// The writer's waker.
struct WriterWake {
    /// The writer asked to be polled.
    woken: AtomicBool,
    /// The task is in its poll: a wake-up now is seen before the poll ends.
    polling: AtomicBool,
    task: AtomicWaker,
}

impl Wake for WriterWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Both `SeqCst`: either the poll sees `woken` after clearing `polling`, or this
        // sees `polling` cleared and wakes the task.
        self.woken.store(true, Ordering::SeqCst);
        if !self.polling.load(Ordering::SeqCst) {
            self.task.wake();
        }
    }
}

/// Runs `reading` and `writing` to completion in the calling task, `writing` polled right
/// after `reading` whenever `reading` woke it.
pub(super) async fn both<R, W>(reading: R, writing: W) -> (R::Output, W::Output)
where
    R: Future,
    W: Future,
{
    let mut reading = pin!(reading);
    let mut writing = pin!(writing);
    let (mut read, mut written) = (None, None);
    let wake = Arc::new(WriterWake {
        woken: AtomicBool::new(true),
        polling: AtomicBool::new(false),
        task: AtomicWaker::new(),
    });
    let writer_waker = Waker::from(wake.clone());
    std::future::poll_fn(|cx| {
        wake.task.register(cx.waker());
        wake.polling.store(true, Ordering::SeqCst);
        if read.is_none() {
            if let Poll::Ready(r) = reading.as_mut().poll(cx) {
                read = Some(r);
            }
        }
        // Twice at most: a writer that wakes itself (a full batch written, more queued)
        // gets one more turn here, then a turn of its own through the task.
        for _ in 0..2 {
            if written.is_some() || !wake.woken.swap(false, Ordering::SeqCst) {
                break;
            }
            if let Poll::Ready(w) = writing
                .as_mut()
                .poll(&mut Context::from_waker(&writer_waker))
            {
                written = Some(w);
            }
        }
        wake.polling.store(false, Ordering::SeqCst);
        if written.is_none() && wake.woken.load(Ordering::SeqCst) {
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
}
