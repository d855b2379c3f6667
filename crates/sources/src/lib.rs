//! Phase 1 of nba-props: fetch each source dataset over HTTP and store the exact bytes in the raw
//! store, under the same source / dataset / partition names the archive import uses, so phase 2
//! reads live captures and archived ones alike.
//!
//! # Architecture
//!
//! ```text
//!  scrape(dataset, date)          one function per dataset, in a module per source:
//!    │                              nbacom · espn · oddsapi · bettingpros
//!    ▼
//!  Fetcher::get(target, url)      fetch.rs: per-host client (timeouts, proxy, header profile),
//!    │                              retry loop (retry.rs: should_retry, backoff, Retry-After),
//!    │                              payload checks (empty body, HTML instead of JSON, not a PDF)
//!    ▼
//!  HostState                      host.rs: breaker check → concurrency permit → rate-limit slot
//!    ▼
//!  store_payload                  RawStore::put (content-addressed, never duplicated)
//!                                 + raw::record (source, dataset, partition, fetched_at,
//!                                   HTTP status, build, URL with secrets redacted)
//! ```
//!
//! A [`Sources`] value owns the fetcher and hence every host's limiter and breaker; keep one per
//! process so limits hold across scrapes. Every knob is in [`SourcesConfig`], with defaults for
//! production and `NBA_PROPS_*` variables for base URLs and keys. A host that cannot be reached
//! at all ends in [`SourceError::Unreachable`], which names it.

// Errors carry host, dataset, partition and URL as owned strings so every message is complete;
// they are built once per failed fetch, next to network I/O, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod bettingpros;
pub mod config;
mod datasets;
pub mod error;
pub mod espn;
pub mod fetch;
pub mod host;
pub mod nbacom;
pub mod oddsapi;
mod payload;
pub mod retry;

pub use config::{HostConfig, Secret, SourcesConfig};
pub use datasets::{DatasetInfo, PartitionKind, datasets, resolve};
pub use error::SourceError;
pub use fetch::{Stored, install_crypto_provider, redact_url};
pub use oddsapi::OddsQuota;

use fetch::Fetcher;
use nba_props_core::GameDate;
use nba_props_store::{Store, source_status};
use std::sync::Mutex;

/// The fetch layer and its state (limiters, breakers, the Odds API quota) for one process.
pub struct Sources {
    pub(crate) config: SourcesConfig,
    pub(crate) fetcher: Fetcher,
    pub(crate) odds_quota: Mutex<Option<OddsQuota>>,
}

/// A scrape served by another source than the first choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    /// What was fetched (`box score 0022300001`, `schedule 2023-24`).
    pub item: String,
    /// Why the first choice failed.
    pub primary_error: String,
    /// The host that served it instead.
    pub served_by: String,
}

/// What one scrape stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScrapeReport {
    /// `source.dataset` as asked.
    pub dataset: String,
    /// The date asked for (partitions of stored payloads may differ: a season, a UTC date).
    pub date: Option<GameDate>,
    /// Every payload written (or found already recorded), in fetch order.
    pub stored: Vec<Stored>,
    /// Items served by a fallback source, and why.
    pub fallbacks: Vec<Fallback>,
    /// The Odds API credits after the last Odds API answer of this scrape.
    pub odds_quota: Option<OddsQuota>,
    /// Things worth saying that are not errors (no games that day, page limit reached).
    pub notes: Vec<String>,
}

impl ScrapeReport {
    pub(crate) fn push(&mut self, s: Stored) {
        self.stored.push(s);
    }

    /// Payloads that were new to the raw store index.
    pub fn new_payloads(&self) -> usize {
        self.stored.iter().filter(|s| s.new).count()
    }
}

impl Sources {
    /// Builds clients and per-host state; fails on an invalid configuration (bad URL, zero rate,
    /// undefined header profile, bad proxy).
    pub fn new(config: SourcesConfig) -> Result<Self, SourceError> {
        Ok(Self {
            fetcher: Fetcher::new(&config)?,
            config,
            odds_quota: Mutex::new(None),
        })
    }

    pub fn config(&self) -> &SourcesConfig {
        &self.config
    }

    /// The Odds API credits as last stated by the API in this process.
    pub fn odds_quota(&self) -> Option<OddsQuota> {
        *self.odds_quota.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True while the circuit breaker of a host section (`nba_stats`, …) is open.
    pub fn breaker_open(&self, host: &str) -> bool {
        self.fetcher.breaker_open(host)
    }

    /// Scrapes one dataset (`source.dataset`, as [`datasets`] lists) for a game date, and
    /// records the attempt in `source_status` (last success, or last error with its message).
    /// Failing to record is an error too: state that silently stops updating would lie.
    pub async fn scrape(
        &self,
        store: &Store,
        dataset: &str,
        date: GameDate,
    ) -> Result<ScrapeReport, SourceError> {
        let result = self.scrape_unrecorded(store, dataset, date).await;
        let Some(info) = datasets().iter().find(|d| d.name == dataset) else {
            return result;
        };
        let attempt = match &result {
            Ok(r) => source_status::Attempt::Succeeded {
                payloads: r.stored.len() as i64,
            },
            Err(e) => source_status::Attempt::Failed {
                error: redact_url(&e.to_string()),
            },
        };
        let quota = (info.source == oddsapi::SOURCE)
            .then(|| self.odds_quota())
            .flatten()
            .map(|q| source_status::Quota {
                remaining: i64::try_from(q.remaining).unwrap_or(i64::MAX),
                used: q.used.and_then(|u| i64::try_from(u).ok()),
            });
        let short = info.name.split_once('.').map_or(info.name, |(_, d)| d);
        let recorded = source_status::record(
            &store.db,
            info.source,
            short,
            Some(&date.to_string()),
            &jiff::Timestamp::now().to_string(),
            &attempt,
            quota,
            &nba_props_core::BuildInfo::current().to_string(),
        )
        .await;
        match (result, recorded) {
            (result, Ok(())) => result,
            (Ok(_), Err(error)) => Err(SourceError::Store {
                source_name: info.source.to_string(),
                dataset: format!("{short} (source_status)"),
                partition: date.to_string(),
                error,
            }),
            // The scrape's own error is the news; the recording failure is logged beside it.
            (Err(e), Err(error)) => {
                tracing::error!(dataset, %error, "Could not record a failed scrape in source_status.");
                Err(e)
            }
        }
    }

    async fn scrape_unrecorded(
        &self,
        store: &Store,
        dataset: &str,
        date: GameDate,
    ) -> Result<ScrapeReport, SourceError> {
        let mut report = ScrapeReport {
            dataset: dataset.to_string(),
            date: Some(date),
            ..ScrapeReport::default()
        };
        let r = &mut report;
        match dataset {
            "nbacom.schedule" => nbacom::schedule(self, store, date, r).await.map(drop),
            "nbacom.leaguegamelog_player" => {
                nbacom::leaguegamelog(self, store, date, true, r).await
            }
            "nbacom.leaguegamelog_team" => nbacom::leaguegamelog(self, store, date, false, r).await,
            "nbacom.boxscoretraditionalv3" => nbacom::boxscores(self, store, date, false, r).await,
            "nbacom.cdn_boxscore" => nbacom::boxscores(self, store, date, true, r).await,
            "nbacom.injury_report" => nbacom::injury_report(self, store, date, r).await,
            "nbacom.player_movement" => nbacom::player_movement(self, store, date, r).await,
            "nbacom.player_list" => nbacom::player_list(self, store, date, r).await,
            "espn.scoreboard" => espn::scoreboard(self, store, date, r).await.map(drop),
            "espn.summary" => espn::summaries(self, store, date, r).await,
            "oddsapi.events" => oddsapi::events(self, store, date, r).await.map(drop),
            "oddsapi.player_props" => oddsapi::player_props(self, store, date, r).await,
            "oddsapi.game_lines" => oddsapi::game_lines(self, store, date, r).await,
            "bettingpros.events" => bettingpros::events(self, store, date, r).await.map(drop),
            "bettingpros.offers" => bettingpros::offers(self, store, date, r).await,
            other => return Err(SourceError::UnknownDataset(other.to_string())),
        }?;
        Ok(report)
    }

    /// Box score of one game (stats, CDN fallback) into the raw store.
    pub async fn boxscore(
        &self,
        store: &Store,
        game_id: &str,
        date: GameDate,
    ) -> Result<ScrapeReport, SourceError> {
        let mut report = ScrapeReport {
            dataset: "nbacom.boxscoretraditionalv3".into(),
            date: Some(date),
            ..ScrapeReport::default()
        };
        nbacom::boxscore(self, store, game_id, date, &mut report).await?;
        Ok(report)
    }
}

/// One-shot form of [`Sources::scrape`] (fresh limiters and breakers): what `nba-props scrape`
/// calls.
pub async fn scrape(
    config: &SourcesConfig,
    store: &Store,
    dataset: &str,
    date: GameDate,
) -> Result<ScrapeReport, SourceError> {
    Sources::new(config.clone())?
        .scrape(store, dataset, date)
        .await
}
