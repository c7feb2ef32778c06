//! A fixed set of worker threads, each owning one copy of the model (or of
//! whatever state its jobs need), fed
//! from one queue; admission is bounded, so a burst beyond the workers and
//! the queue is refused at once instead of piling up memory.
//!
//! Each worker is a plain OS thread, not a task on the async runtime: a
//! prediction keeps a core busy for tens of milliseconds and would stall
//! every connection scheduled on that runtime thread. A panic inside a job
//! is caught and reported to the waiting request; the worker goes on.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

type Job<M> = Box<dyn FnOnce(&M) + Send>;

/// The workers, each holding an `M`, and the admission limit in front of them.
pub struct Pool<M> {
    jobs: Sender<Job<M>>,
    admission: Arc<Semaphore>,
}

/// A job panicked; the message, where the panic carried one.
#[derive(Debug)]
pub struct Panicked(pub String);

impl<M: Send + 'static> Pool<M> {
    /// Starts one worker per model; at most `models.len() + queue`
    /// requests are admitted at a time.
    pub fn start(models: Vec<M>, queue: usize) -> Pool<M> {
        let workers = models.len();
        let (sender, receiver) = channel::<Job<M>>();
        let receiver = Arc::new(Mutex::new(receiver));
        for (i, model) in models.into_iter().enumerate() {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("emoshift-worker-{i}"))
                .spawn(move || work(&model, &receiver))
                .expect("the system can start a worker thread");
        }
        Pool {
            jobs: sender,
            admission: Arc::new(Semaphore::new(workers + queue)),
        }
    }

    /// A place among the admitted requests, or `None` when the workers
    /// and the queue are full. Held until the reply is written.
    pub fn admit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.admission).try_acquire_owned().ok()
    }

    /// Runs `job` on the next free worker and waits for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&M) -> T + Send + 'static,
    ) -> Result<T, Panicked> {
        let (reply, result) = oneshot::channel();
        let wrapped: Job<M> = Box::new(move |model| {
            let outcome = catch_unwind(AssertUnwindSafe(|| job(model))).map_err(|panic| {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Panicked(message)
            });
            let _ = reply.send(outcome);
        });
        if self.jobs.send(wrapped).is_err() {
            return Err(Panicked("every worker has stopped".into()));
        }
        result
            .await
            .unwrap_or_else(|_| Err(Panicked("the worker dropped the job".into())))
    }
}

/// A worker's loop: take the next job, run it, until the pool is dropped.
fn work<M>(model: &M, receiver: &Mutex<Receiver<Job<M>>>) {
    loop {
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(model),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    #[test]
    fn a_panicking_job_is_reported_and_the_worker_goes_on() {
        let pool = Pool::start(vec![41], 0);
        let rt = runtime();
        let panicked = rt.block_on(pool.run(|_: &i32| -> i32 { panic!("boom") }));
        assert_eq!(panicked.unwrap_err().0, "boom");
        assert_eq!(rt.block_on(pool.run(|m: &i32| m + 1)).unwrap(), 42);
    }

    #[test]
    fn admission_stops_at_workers_plus_queue_and_frees_on_drop() {
        let pool = Pool::start(vec![(), ()], 1);
        let held: Vec<_> = (0..3)
            .map(|_| pool.admit().expect("a free place"))
            .collect();
        assert!(pool.admit().is_none());
        drop(held);
        assert!(pool.admit().is_some());
    }
}
