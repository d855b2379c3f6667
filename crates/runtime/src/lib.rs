//! The job runtime: the machinery that runs processors, the same on SQLite (one machine) and
//! PostgreSQL (many).
//!
//! # Architecture
//!
//! - **Jobs** (`jobs` table) are (processor, partition, generation) with a unique key. A
//!   generation is one version of a partition's inputs: a new one is created only when an
//!   upstream output changed after the partition's latest job was claimed. A job that fails is
//!   retried with backoff; after `max_attempts` it is parked as `dead`, visible and retryable by
//!   command, never retried forever or dropped.
//! - **Claiming** ([`jobs::claim`]) takes a batch of ready jobs of one processor. A job is ready
//!   when no upstream work is pending on the dates its inputs read: the [`dag::Graph`] derives,
//!   from the processors' declarations and their [`Window`](nba_props_pipeline::processor::Window)s,
//!   which ancestors and which day offsets each processor must wait for. PostgreSQL claims with
//!   `FOR UPDATE SKIP LOCKED`; SQLite has a single writer transaction.
//! - **Leases with fencing** ([`lease`]): (processor, partition) → holder, epoch, expires_at. Every
//!   grant bumps the epoch, and the output transaction checks it first
//!   ([`worker::JobHook`]), so a worker that paused past its lease cannot write. Workers renew
//!   while they compute and abandon the work when they cannot.
//! - **Triggering** ([`trigger`]): the transaction that records a run's success also creates the
//!   downstream jobs, under a per-processor lock that claims take too. An upstream output whose
//!   content hash did not change triggers nothing. Positions on one logical clock (claim and
//!   finish sequence numbers) make a re-delivered or reordered trigger a no-op.
//! - **Heartbeats** ([`heartbeat`]): one row per worker name and one per processor; a beat that
//!   cannot be written is logged as an error and counted.
//! - **Completion is derived**: the runtime stores job states and run records, never counters.

pub mod backfill;
pub mod clock;
pub mod dag;
pub mod heartbeat;
pub mod jobs;
pub mod lease;
mod seq;
mod stmt;
pub mod testing;
pub mod trigger;
pub mod worker;

pub use clock::{AcceleratedClock, Clock, SystemClock};
pub use dag::Graph;
pub use worker::{Worker, WorkerConfig};

/// Errors of the runtime; each names the job or worker concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Store(#[from] nba_props_store::Error),
    /// A job, processor or group that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A request that cannot be carried out as asked.
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Days since 1970-01-01 of a game date: windows of days become integer ranges in SQL.
pub fn day_number(date: nba_props_core::GameDate) -> i64 {
    let epoch = nba_props_core::GameDate::parse("1970-01-01").expect("a valid date");
    i64::from(epoch.days_until(date))
}
