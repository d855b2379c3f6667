//! Health checks: one check per concern, each with a status, a figure and exactly what is
//! concerned (dates, processors, workers), and one 0–100 score over them all.

use nba_props_runtime::Clock;
use nba_props_runtime::clock::format_ms;
use nba_props_store::Store;
use serde::Serialize;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
}

/// One concern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// A stable identifier (`stale_heartbeats`, `dead_jobs`, …).
    pub name: &'static str,
    pub status: Status,
    /// The measured figure in words (`2 of 4 workers silent for over 5 min`).
    pub figure: String,
    /// Exactly what is concerned: `processor date`, worker names, table names.
    pub concerned: Vec<String>,
    /// Its share of the score.
    pub weight: f64,
}

/// Every check and the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthReport {
    /// 0–100: the weighted share of checks that pass, a warning counting half.
    pub score: f64,
    pub checks: Vec<Check>,
    /// When it was computed (ms since the epoch) and by which build.
    pub generated_at: i64,
    pub build: String,
}

impl HealthReport {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Fail)
    }
}

/// What the checks look at.
#[derive(Debug, Clone)]
pub struct HealthOptions {
    /// Days back from today (US Eastern) that the window-wide checks cover.
    pub days: u32,
    /// A worker whose heartbeat is older than this (and not stopped) is stale.
    pub stale_heartbeat_ms: i64,
}

impl Default for HealthOptions {
    fn default() -> Self {
        Self {
            days: 30,
            stale_heartbeat_ms: 5 * 60_000,
        }
    }
}

pub type Result<T> = std::result::Result<T, nba_props_runtime::Error>;

/// Runs every check.
pub async fn check(store: &Store, clock: &dyn Clock, opts: &HealthOptions) -> Result<HealthReport> {
    let checks = vec![
        stale_heartbeats(store, clock, opts).await?,
        dead_jobs(store).await?,
    ];
    Ok(HealthReport {
        score: score(&checks),
        checks,
        generated_at: clock.now_ms(),
        build: nba_props_core::BuildInfo::current().to_string(),
    })
}

/// `100 · Σ weight·credit / Σ weight` with credit 1 for a pass, ½ for a warning, 0 for a failure.
pub fn score(checks: &[Check]) -> f64 {
    let total: f64 = checks.iter().map(|c| c.weight).sum();
    if total == 0.0 {
        return 100.0;
    }
    let earned: f64 = checks
        .iter()
        .map(|c| {
            c.weight
                * match c.status {
                    Status::Pass => 1.0,
                    Status::Warn => 0.5,
                    Status::Fail => 0.0,
                }
        })
        .sum();
    (100.0 * earned / total * 10.0).round() / 10.0
}

async fn stale_heartbeats(store: &Store, clock: &dyn Clock, opts: &HealthOptions) -> Result<Check> {
    let now = clock.now_ms();
    let workers = nba_props_runtime::heartbeat::workers(&store.db).await?;
    let stale: Vec<String> = workers
        .iter()
        .filter(|w| w.state != "stopped" && now - w.last_beat_at > opts.stale_heartbeat_ms)
        .map(|w| {
            format!(
                "{} (last beat {})",
                w.worker,
                format_ms(Some(w.last_beat_at))
            )
        })
        .collect();
    Ok(Check {
        name: "stale_heartbeats",
        status: if stale.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        },
        figure: format!(
            "{} of {} running workers silent for over {} s",
            stale.len(),
            workers.iter().filter(|w| w.state != "stopped").count(),
            opts.stale_heartbeat_ms / 1000
        ),
        concerned: stale,
        weight: 1.0,
    })
}

async fn dead_jobs(store: &Store) -> Result<Check> {
    let rows = store
        .db
        .query(
            "SELECT job_id, processor, partition_key, last_error FROM jobs WHERE state = 'dead' ORDER BY processor, partition_key",
            &[],
        )
        .await
        .map_err(nba_props_runtime::Error::from)?;
    let concerned: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {} (job {}): {}",
                r.text(1),
                r.text(2),
                r.i64(0).unwrap_or(0),
                r.text(3)
            )
        })
        .collect();
    Ok(Check {
        name: "dead_jobs",
        status: if concerned.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        },
        figure: format!("{} dead jobs", concerned.len()),
        concerned,
        weight: 1.0,
    })
}
