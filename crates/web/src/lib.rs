//! The HTTP face of nba-props, served by `nba-props serve`: a JSON API (documented in
//! `docs/openapi.yaml`), the dashboard a person opens every morning (`/`), and `/metrics` in the
//! Prometheus text format.
//!
//! # Architecture
//!
//! Every page and every answer is read from the database at request time: nothing is cached or
//! counted in memory, so two `serve` processes on one PostgreSQL show the same thing and a
//! restart loses nothing. The reads live in [`queries`], shared by the API, the dashboard and the
//! metrics, so the three cannot disagree. Every statement binds its request values as
//! parameters; none is built from request strings (dates are parsed into [`GameDate`]s and ids
//! into integers before they reach SQL). The mutating endpoints (retry, backfill, reconcile) go
//! through the runtime's own functions and need the configured bearer token.

mod api;
mod dashboard;
mod error;
mod metrics;
pub mod queries;
mod server;

pub use error::ApiError;
pub use server::{Limits, serve};

use axum::Router;
use axum::routing::{get, post};
use nba_props_core::GameDate;
use nba_props_runtime::{Clock, Graph};
use nba_props_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;

/// What the web server needs besides the store.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The bearer token of the mutating endpoints; `None` refuses them all (401).
    pub token: Option<String>,
    /// Attempts of the jobs a backfill or reconcile enqueues.
    pub max_attempts: i64,
    /// Workers a backfill enqueued here may use at once.
    pub backfill_workers: usize,
    /// Deadlines and thresholds of the health checks (`[ops]`: stale heartbeats, window of days).
    pub ops: nba_props_ops::OpsConfig,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            token: None,
            max_attempts: 3,
            backfill_workers: 2,
            ops: nba_props_ops::OpsConfig::default(),
        }
    }
}

/// The shared state of every handler.
#[derive(Clone)]
pub struct WebState {
    pub(crate) store: Store,
    pub(crate) graph: Arc<Graph>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: Arc<WebConfig>,
    pub(crate) accuracy: Arc<queries::AccuracyCache>,
    pub(crate) limits: Arc<Limits>,
}

impl WebState {
    pub fn new(store: Store, graph: Arc<Graph>, clock: Arc<dyn Clock>, config: WebConfig) -> Self {
        Self {
            store,
            graph,
            clock,
            config: Arc::new(config),
            accuracy: Arc::default(),
            limits: Arc::default(),
        }
    }

    /// The same state with other timeouts and size limits than [`Limits::default`].
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = Arc::new(limits);
        self
    }

    /// Today in US Eastern time, by the injected clock.
    pub(crate) fn today(&self) -> GameDate {
        let now = jiff::Timestamp::from_millisecond(self.clock.now_ms())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        GameDate::today_at(now)
    }
}

/// Every route: the dashboard, the API and the metrics, behind the guard that enforces the
/// request limits and gives every error answer the JSON shape of [`ApiError`].
pub fn router(state: WebState) -> Router {
    let limits = state.limits.clone();
    Router::new()
        .route("/", get(dashboard::page))
        .route("/metrics", get(metrics::render))
        .route("/api/health", get(api::health))
        .route("/api/status", get(api::grid))
        .route("/api/status/{date}", get(api::status))
        .route("/api/jobs", get(api::jobs))
        .route("/api/jobs/{id}", get(api::job))
        .route("/api/jobs/{id}/retry", post(api::retry))
        .route("/api/backfill", post(api::backfill))
        .route("/api/backfill/{group}", get(api::backfill_progress))
        .route("/api/reconcile", post(api::reconcile))
        .route("/api/heartbeats", get(api::heartbeats))
        .route("/api/sources", get(api::sources))
        .route("/api/predictions/{date}", get(api::predictions))
        .route("/api/results/{date}", get(api::results))
        .route("/api/models", get(api::models))
        .route("/api/accuracy", get(api::accuracy))
        .route("/api/record", get(api::record))
        .fallback(api::not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(limits, server::guard))
}

/// Binds the listening socket (`127.0.0.1:0` picks a free port, as tests do).
pub async fn bind(addr: &str) -> std::io::Result<tokio::net::TcpListener> {
    let addr: SocketAddr = addr.parse().map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("web address {addr:?} is not host:port ({e})"),
        )
    })?;
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))
}
