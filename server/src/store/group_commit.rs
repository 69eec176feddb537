//! Group commit for SQLite (issue 16): with `synchronous=FULL` every commit waits for its
//! flush, and SQLite has one writer, so syncs queued behind each other each paid a flush of
//! their own. Now a call queues its work and asks for a drain; whoever holds the connection
//! next runs every queued job in one transaction, each inside a savepoint of its own (a job
//! that fails or panics rolls back alone), commits once, and only then answers them all: no
//! caller hears "done" before its writes are on disk, and a failed commit fails every job of
//! the batch.

use super::StoreError;
use rusqlite::{Connection, Savepoint, TransactionBehavior};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

/// The answer of a job that ran: given the batch's commit outcome, it tells its caller.
pub type Reply = Box<dyn FnOnce(Result<(), &StoreError>) + Send>;

/// Queued work: runs inside its savepoint; returns whether to keep its writes, and how to
/// answer once the batch commits.
pub type Job = Box<dyn FnOnce(&Savepoint) -> (bool, Reply) + Send>;

/// The jobs waiting for the next drain.
#[derive(Default)]
pub struct Queue(Mutex<Vec<Job>>);

/// At most this many jobs share one transaction, so a long queue still answers in steps.
const MAX_BATCH: usize = 256;

impl Queue {
    pub fn push(&self, job: Job) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(job);
    }

    fn take(&self) -> Vec<Job> {
        let mut queue = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = queue.len().min(MAX_BATCH);
        queue.drain(..n).collect()
    }

    /// Runs the queued jobs on `conn` (the caller holds the connection): one transaction, one
    /// commit. Returns how many ran; 0 when another drain took them already.
    pub fn drain(&self, conn: &mut Connection) -> usize {
        let jobs = self.take();
        if jobs.is_empty() {
            return 0;
        }
        let count = jobs.len();
        let mut replies = Vec::with_capacity(count);
        let outcome = (|| {
            let mut tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| StoreError(e.to_string()))?;
            for job in jobs {
                let savepoint = tx.savepoint().map_err(|e| StoreError(e.to_string()))?;
                // A panicking job's caller is answered by its dropped reply: a failure. Its
                // savepoint, like a refused job's, is rolled back when dropped.
                if let Ok((keep, reply)) = catch_unwind(AssertUnwindSafe(|| job(&savepoint))) {
                    if keep {
                        savepoint.commit().map_err(|e| StoreError(e.to_string()))?;
                    }
                    replies.push(reply);
                }
            }
            tx.commit().map_err(|e| StoreError(e.to_string()))
        })();
        for reply in replies {
            reply(outcome.as_ref().map(|_| ()));
        }
        count
    }
}
