//! Health checks: one check per concern, each with a status, a figure and exactly what is
//! concerned (dates, processors, workers, tables), and one 0–100 score over them all.
//!
//! The checks are split by what they read: [`runtime`] (heartbeats, jobs, runs, builds),
//! [`data`] (the tables against the schedule and against the runs), [`late`] (deadlines),
//! [`parity`] (the features of the latest predictions against their models' training rows).
//! [`data`] and [`late`] also return their findings as [`Gap`]s, which `reconcile` closes.

pub mod data;
pub mod late;
pub mod parity;
pub mod runtime;

use crate::config::OpsConfig;
use crate::{Result, days};
use nba_props_core::GameDate;
use nba_props_runtime::{Clock, Graph};
use nba_props_store::Store;
use serde::Serialize;
use std::collections::BTreeSet;

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

impl Check {
    /// A check that fails when anything is concerned.
    pub fn failing_if_any(
        name: &'static str,
        figure: String,
        concerned: Vec<String>,
        weight: f64,
    ) -> Check {
        Check::if_any(Status::Fail, name, figure, concerned, weight)
    }

    /// A check that warns when anything is concerned.
    pub fn warning_if_any(
        name: &'static str,
        figure: String,
        concerned: Vec<String>,
        weight: f64,
    ) -> Check {
        Check::if_any(Status::Warn, name, figure, concerned, weight)
    }

    fn if_any(
        status: Status,
        name: &'static str,
        figure: String,
        concerned: Vec<String>,
        weight: f64,
    ) -> Check {
        Check {
            name,
            status: if concerned.is_empty() {
                Status::Pass
            } else {
                status
            },
            figure,
            concerned,
            weight,
        }
    }
}

/// Every check and the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthReport {
    /// 0–100: see [`score`]. `None` (`null`) when the window holds no game day: the data checks
    /// then had nothing to look at, and a 100 would claim they did (`note` says so).
    pub score: Option<f64>,
    pub checks: Vec<Check>,
    /// The instant the checks looked from, in US Eastern time (`2024-01-15T10:30:00-05:00`).
    pub as_of: String,
    /// The window the checks covered (US Eastern dates) and how many had games.
    pub from: String,
    pub to: String,
    pub game_days: usize,
    /// Why there is no score, when there is none.
    pub note: Option<String>,
    /// When it was computed (ms since the epoch) and by which build.
    pub generated_at: i64,
    pub build: String,
}

impl HealthReport {
    /// Every check passed (warnings included: they lower the score but do not fail).
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Fail)
    }

    pub fn get(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// A piece of work that should exist and does not (or is wrong): `processor` on `date`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Gap {
    /// `missing_partition`, `completion_mismatch`, `late`, `dead_job`.
    pub kind: &'static str,
    /// The processor (or `source.dataset`) whose run closes the gap.
    pub processor: String,
    #[serde(serialize_with = "as_text")]
    pub date: GameDate,
    pub detail: String,
    /// A dead job to retry instead of a new one.
    pub dead_job: Option<i64>,
}

fn as_text<S: serde::Serializer>(d: &GameDate, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(d)
}

/// What every check reads: the window, its game days, the graph and the configuration.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub graph: &'a Graph,
    pub config: &'a OpsConfig,
    pub now: i64,
    pub from: GameDate,
    pub to: GameDate,
    pub game_days: BTreeSet<GameDate>,
}

impl<'a> Ctx<'a> {
    pub async fn new(
        store: &'a Store,
        clock: &dyn Clock,
        graph: &'a Graph,
        config: &'a OpsConfig,
        days: u32,
    ) -> Result<Ctx<'a>> {
        let now = clock.now_ms();
        let (from, to) = days::window(now, days);
        let game_days = days::game_dates(&store.db, from, to).await?;
        Ok(Ctx {
            store,
            graph,
            config,
            now,
            from,
            to,
            game_days,
        })
    }

    /// When `item`'s work on `date` is expected: its configured deadline, else noon (ET) of
    /// the next day.
    pub fn expected_by(&self, item: &str, date: GameDate) -> Result<i64> {
        match self.config.deadline_of(item) {
            Some(d) => d.expected_by(date),
            None => crate::config::Deadline {
                item: item.into(),
                day_offset: 1,
                at: "12:00".into(),
            }
            .expected_by(date),
        }
    }
}

/// Runs every check over the last `days` days (US Eastern) at the clock's instant.
pub async fn check(
    store: &Store,
    clock: &dyn Clock,
    graph: &Graph,
    config: &OpsConfig,
    days: u32,
) -> Result<HealthReport> {
    let ctx = Ctx::new(store, clock, graph, config, days).await?;
    let h = &config.health;
    let checks = vec![
        runtime::stale_heartbeats(&ctx, h).await?,
        runtime::dead_jobs(&ctx).await?,
        runtime::failed_jobs(&ctx, h).await?,
        late::check(&ctx).await?,
        late::arrivals_check(&ctx).await?,
        data::missing_partitions_check(&ctx).await?,
        data::duplicate_keys(&ctx).await?,
        data::completion_check(&ctx).await?,
        data::team_points(&ctx).await?,
        data::feature_quality(&ctx, h).await?,
        parity::train_serve_parity(&ctx).await?,
        runtime::builds_in_use(&ctx).await?,
    ];
    let (score, note) = if ctx.game_days.is_empty() {
        (
            None,
            Some(format!(
                "no game days in {}..{} (off-season or no schedule loaded): the data checks had nothing to check, so there is no score",
                ctx.from, ctx.to
            )),
        )
    } else {
        (Some(score(&checks)), None)
    };
    Ok(HealthReport {
        score,
        checks,
        as_of: days::timestamp(ctx.now)
            .to_zoned(nba_props_core::date::eastern().clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        from: ctx.from.to_string(),
        to: ctx.to.to_string(),
        game_days: ctx.game_days.len(),
        note,
        generated_at: ctx.now,
        build: nba_props_core::BuildInfo::current().to_string(),
    })
}

/// `100 · Σ weight·credit / Σ weight` with credit 1 for a pass, ½ for a warning, 0 for a
/// failure, rounded to one decimal.
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

/// Every gap of the window: missing partitions, runs the tables contradict, late work, dead
/// jobs. What `reconcile` lists and, with `--fix`, closes.
pub async fn gaps(ctx: &Ctx<'_>) -> Result<Vec<Gap>> {
    let mut all = data::missing_partitions(ctx).await?;
    all.extend(data::completion_mismatches(ctx).await?);
    all.extend(late::late_work(ctx).await?);
    all.extend(runtime::dead_job_gaps(ctx).await?);
    all.sort();
    all.dedup_by(|a, b| a.kind == b.kind && a.processor == b.processor && a.date == b.date);
    Ok(all)
}

/// `"a, b, c"` of up to `n` items, then `… and K more`.
pub(crate) fn list(items: &[String], n: usize) -> String {
    let mut s = items.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > n {
        s.push_str(&format!(" … and {} more", items.len() - n));
    }
    s
}
