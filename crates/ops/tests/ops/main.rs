//! Operations over real stores, in one test binary: health, reconciliation and drift, alerts
//! delivered to a local webhook server, and the scheduler's ticks.

mod alerts;
mod heal;
mod health;
mod parity;
mod scheduler;
mod support;
