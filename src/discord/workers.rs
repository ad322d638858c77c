//! The threads that run the core's CPU work for the Discord side (triage, ranking, the
//! reply): one per core, started with the bot and kept for its life. Not the model's
//! inference, which has its own thread (`crate::embed::queue`).
//!
//! Kept threads rather than tokio's blocking pool: the regex engine keeps its search caches
//! in pools keyed by thread, so every new thread that runs the red-flag patterns builds fresh
//! caches (hundreds of KB for the pattern set) that stay in the pool after the thread has
//! gone. The blocking pool retires a thread after ten idle seconds and starts new ones in the
//! next burst, so the bot's memory crept up burst after burst; with kept threads the caches
//! are built once per thread.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// One thread per core for the core's CPU work, fed in order of arrival.
pub(crate) struct Workers {
    pool: rayon::ThreadPool,
}

impl Workers {
    pub(crate) fn start() -> std::io::Result<Workers> {
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("core-work-{i}"))
            .build()
            .map_err(std::io::Error::other)?;
        Ok(Workers { pool })
    }

    /// Runs `work` on one of the threads and waits for it without holding up the async
    /// runtime. A panic in `work` is raised again here, in the caller's task, as it would be
    /// had the work run in place.
    pub(crate) async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> T {
        let (done, result) = tokio::sync::oneshot::channel();
        self.pool.spawn(move || {
            let _ = done.send(catch_unwind(AssertUnwindSafe(work)));
        });
        match result.await.expect("a worker runs every piece of work it is given, panic or not") {
            Ok(value) => value,
            Err(panic) => resume_unwind(panic),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_same_few_threads_and_a_panic_reaches_the_caller() {
        let workers = Arc::new(Workers::start().unwrap());
        // Two hundred pieces at once, each long enough that they overlap.
        let mut pieces = tokio::task::JoinSet::new();
        for _ in 0..200 {
            let workers = workers.clone();
            pieces.spawn(async move {
                workers
                    .run(|| {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                        std::thread::current().id()
                    })
                    .await
            });
        }
        let threads: HashSet<_> = pieces.join_all().await.into_iter().collect();
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        assert!(threads.len() <= cores, "{} threads for {cores} cores", threads.len());

        let shared = workers.clone();
        let outcome = tokio::spawn(async move { shared.run(|| panic!("a bug in the core")).await }).await;
        assert!(outcome.is_err_and(|error| error.is_panic()));
        assert_eq!(workers.run(|| 2 + 2).await, 4, "a panic takes no thread away");
    }
}
