//! Operations: what tells the operator whether the pipeline is healthy and keeps it running on
//! time: the scheduler with its deadlines, health checks, reconciliation, build drift, heartbeat
//! pruning and alerts. Everything reads the clock it is given (`ManualClock` in tests).

pub mod alerts;
pub mod config;
pub mod days;
pub mod drift;
pub mod health;
pub mod heartbeats;
pub mod parity;
pub mod reconcile;
pub mod scheduler;
pub mod serve;

pub use config::OpsConfig;

/// Errors of operations, each naming what it concerns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Runtime(#[from] nba_props_runtime::Error),
    #[error(transparent)]
    Store(#[from] nba_props_store::Error),
    /// Configuration or a request that cannot be carried out as asked.
    #[error("{0}")]
    Invalid(String),
    /// An alert webhook that did not take the message.
    #[error("webhook: {0}")]
    Webhook(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
