//! The errors of phase 1. Every message names the host and, where one is known, the dataset and
//! partition, so an operator can tell from one line what failed and where.

use std::time::Duration;

/// What went wrong while fetching or storing a source dataset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The host could not be reached at all: DNS failed or the connection was refused. Not
    /// retried; on a machine without network every source ends here.
    #[error(
        "cannot reach {host} for {dataset} {partition}: {reason} (is there network access from this machine?)"
    )]
    Unreachable {
        host: String,
        dataset: String,
        partition: String,
        reason: String,
    },
    /// The host accepted the connection but did not answer within the configured read or total
    /// timeout, on every attempt.
    #[error("{host} timed out for {dataset} {partition} after {attempts} attempt(s): {reason}")]
    Timeout {
        host: String,
        dataset: String,
        partition: String,
        attempts: u32,
        reason: String,
    },
    /// The host answered with an HTTP error status (after the retries that status allows).
    #[error(
        "{host} answered HTTP {status} for {dataset} {partition} ({url}) after {attempts} attempt(s)"
    )]
    Status {
        host: String,
        dataset: String,
        partition: String,
        url: String,
        status: u16,
        attempts: u32,
    },
    /// The host asked to wait (429 with `Retry-After`) longer than the configured maximum.
    #[error(
        "{host} is rate limiting {dataset} {partition}: it asks to wait {wait:?}, more than the configured maximum {max:?}"
    )]
    RateLimited {
        host: String,
        dataset: String,
        partition: String,
        wait: Duration,
        max: Duration,
    },
    /// The connection broke while the body was being read, on every attempt.
    #[error(
        "{host} sent an incomplete body for {dataset} {partition} after {attempts} attempt(s): {reason}"
    )]
    Incomplete {
        host: String,
        dataset: String,
        partition: String,
        attempts: u32,
        reason: String,
    },
    /// The host's circuit breaker is open after repeated failures; calls fail fast until it
    /// half-opens.
    #[error(
        "{host} is failing: circuit breaker open after {failures} consecutive failures, not calling it for {dataset} {partition} for another {retry_in:?}"
    )]
    CircuitOpen {
        host: String,
        dataset: String,
        partition: String,
        failures: u32,
        retry_in: Duration,
    },
    /// A 2xx answer with an empty body where a payload was expected.
    #[error("{host} sent an empty body for {dataset} {partition} ({url})")]
    EmptyBody {
        host: String,
        dataset: String,
        partition: String,
        url: String,
    },
    /// A 2xx answer that is not the expected kind of payload: an HTML page ("Access Denied",
    /// a bot challenge) where JSON was expected, JSON that does not parse, or a PDF that is not one.
    #[error(
        "{host} sent {found} instead of {expected} for {dataset} {partition} ({url}): {snippet:?}"
    )]
    WrongContent {
        host: String,
        dataset: String,
        partition: String,
        url: String,
        expected: &'static str,
        found: String,
        snippet: String,
    },
    /// The Odds API quota would fall below the configured reserve with the next request; no
    /// request was sent.
    #[error(
        "{host}: Odds API quota reserve reached before {dataset} {partition}: {remaining} request credits remaining, the next request costs {cost}, reserve is {reserve} (used so far: {used:?})"
    )]
    QuotaReserve {
        host: String,
        dataset: String,
        partition: String,
        remaining: u64,
        used: Option<u64>,
        cost: u64,
        reserve: u64,
    },
    /// A dataset needs an API key that is not configured.
    #[error("{dataset} needs an API key for {host}: set {env_var}")]
    MissingKey {
        host: String,
        dataset: String,
        env_var: &'static str,
    },
    /// The dataset name given is not one [`crate::datasets`] lists.
    #[error("unknown dataset {0:?}: `nba-props sources` lists them")]
    UnknownDataset(String),
    /// The configuration is invalid (a base URL that does not parse, a zero rate, a bad proxy).
    #[error("sources configuration: {0}")]
    Config(String),
    /// A payload parsed as JSON but lacks what a scraper needs to go on (e.g. game ids in a
    /// schedule); names the field.
    #[error("{host}: {dataset} {partition}: {detail}")]
    Payload {
        host: String,
        dataset: String,
        partition: String,
        detail: String,
    },
    /// Writing a fetched payload into the raw store failed.
    #[error("storing {source_name}/{dataset} {partition} in the raw store: {error}")]
    Store {
        source_name: String,
        dataset: String,
        partition: String,
        error: nba_props_store::Error,
    },
    /// The first-choice source failed and so did its fallback (CDN schedule then stats, stats
    /// box score then CDN); both errors are kept, each naming its host, dataset and partition.
    #[error("{primary}; the fallback failed too: {fallback}")]
    FallbackFailed {
        primary: Box<SourceError>,
        fallback: Box<SourceError>,
    },
    /// Any other transport error reqwest reports (TLS, a redirect loop, a bad request builder).
    #[error("{host} request for {dataset} {partition} failed: {reason}")]
    Transport {
        host: String,
        dataset: String,
        partition: String,
        reason: String,
    },
}

impl SourceError {
    /// The host this error is about, when there is one.
    pub fn host(&self) -> Option<&str> {
        use SourceError::*;
        match self {
            Unreachable { host, .. }
            | Timeout { host, .. }
            | Status { host, .. }
            | RateLimited { host, .. }
            | Incomplete { host, .. }
            | CircuitOpen { host, .. }
            | EmptyBody { host, .. }
            | WrongContent { host, .. }
            | QuotaReserve { host, .. }
            | MissingKey { host, .. }
            | Payload { host, .. }
            | Transport { host, .. } => Some(host),
            FallbackFailed { fallback, .. } => fallback.host(),
            UnknownDataset(_) | Config(_) | Store { .. } => None,
        }
    }
}
