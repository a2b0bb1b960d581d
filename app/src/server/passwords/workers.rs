//! The threads that run Argon2: a fixed set, one per CPU, each reusing one memory buffer.
//!
//! Argon2id needs its whole memory cost (19 MiB by default) for every hash. Allocated per call
//! on tokio's blocking pool, whose threads come and go, those blocks landed in ever more glibc
//! arenas that kept them after the free: the server's RSS grew by one block per new thread and
//! never came back (the PostgreSQL soak: +57 MB in 10 minutes). Here the same few threads hash
//! every password, each into the buffer it allocated for its first job, so the memory held is
//! one buffer per thread, whatever the traffic. The queue in front of them is also what keeps a
//! burst of logins from slowing every hash down together: at most one hash per CPU at a time.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use argon2::Block;

type Job = Box<dyn FnOnce(&mut Memory) + Send>;

/// The hashing threads, shut down when the last handle is dropped.
pub(super) struct Workers {
    jobs: mpsc::Sender<Job>,
    #[cfg_attr(not(test), allow(dead_code, reason = "read by the tests"))]
    allocations: Arc<AtomicUsize>,
}

#[derive(Debug, thiserror::Error)]
#[error("the hashing threads have stopped")]
pub struct Stopped;

impl Workers {
    /// Starts `threads` threads whose buffers hold `blocks` Argon2 blocks once used.
    pub(super) fn start(threads: usize, blocks: usize) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let allocations = Arc::new(AtomicUsize::new(0));
        for index in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            let mut memory = Memory::new(blocks, Arc::clone(&allocations));
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || loop {
                    // The lock is held only while waiting: one idle thread takes the next job.
                    let job = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    // A panicking job drops its reply (the caller sees `Stopped`), not the thread.
                    let _ = catch_unwind(AssertUnwindSafe(|| job(&mut memory)));
                })?;
        }
        Ok(Self {
            jobs: sender,
            allocations,
        })
    }

    /// Runs `job` on the next free hashing thread and waits for its result without blocking
    /// the async executor.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, Stopped> {
        let (reply, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = reply.send(job(memory));
        });
        self.jobs.send(job).map_err(|_| Stopped)?;
        result.await.map_err(|_| Stopped)
    }

    /// How many memory buffers the threads have allocated so far (at most one each, plus one
    /// per verification of a hash stored with a larger memory cost than configured).
    #[cfg(test)]
    pub(super) fn allocations(&self) -> usize {
        self.allocations.load(Ordering::Relaxed)
    }
}

/// One thread's Argon2 memory.
pub(super) struct Memory {
    blocks: Vec<Block>,
    keep: usize,
    allocations: Arc<AtomicUsize>,
}

impl Memory {
    pub(super) fn new(keep: usize, allocations: Arc<AtomicUsize>) -> Self {
        Self {
            blocks: Vec::new(),
            keep,
            allocations,
        }
    }

    /// Calls `f` with `count` blocks: this thread's own buffer, allocated on first use, or, for
    /// a hash stored with more memory than configured, a buffer for this call only (kept, it
    /// would hold that larger size for good).
    pub(super) fn with_blocks<T>(&mut self, count: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
        if count > self.keep {
            self.allocations.fetch_add(1, Ordering::Relaxed);
            return f(&mut vec![Block::default(); count]);
        }
        if self.blocks.len() < count {
            self.allocations.fetch_add(1, Ordering::Relaxed);
            self.blocks = vec![Block::default(); self.keep];
        }
        f(&mut self.blocks[..count])
    }
}
