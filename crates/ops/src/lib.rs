//! Operations: what tells the operator whether the pipeline is healthy, and (as the issue of
//! that name lands) the scheduler with deadlines, reconciliation, drift and alerts.

pub mod health;
