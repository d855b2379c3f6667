//! Backfills through the runtime: the same jobs, claims and triggers as the daily run, in a
//! group that caps how many workers run it at once, with progress read from the job table.

use crate::jobs::{self, Blocked, Enqueued, JobOptions, JobState};
use crate::{Clock, Error, Graph, Result, day_number};
use nba_props_core::GameDate;
use nba_props_store::{Db, Value};
use std::ops::RangeInclusive;
use std::time::Duration;

/// A backfill that was enqueued.
#[derive(Debug, Clone)]
pub struct Backfill {
    pub group_id: String,
    pub correlation_id: String,
    pub enqueued: Enqueued,
    /// The processors of its phases and its dates: a backfill is done when no job covering
    /// them is pending, whichever group the job belongs to (a partition already queued by an
    /// earlier, interrupted backfill keeps its job, and this one waits for it).
    pub processors: Vec<&'static str>,
    pub from: GameDate,
    pub to: GameDate,
    /// When it was enqueued: jobs of its scope that finished since are its results.
    pub since: i64,
}

impl Backfill {
    /// The jobs it covers, as an SQL condition over `jobs`: its own group's, and those of its
    /// processors and dates that are pending, finished since it was enqueued, or dead (latest
    /// generation).
    fn scope(&self) -> (String, Vec<Value>) {
        let mut params: Vec<Value> = vec![
            self.group_id.as_str().into(),
            day_number(self.from).into(),
            day_number(self.to).into(),
            self.since.into(),
        ];
        let names: Vec<String> = self
            .processors
            .iter()
            .map(|p| {
                params.push((*p).into());
                format!("${}", params.len())
            })
            .collect();
        let sql = format!(
            "group_id = $1 OR (processor IN ({names}) AND day >= $2 AND day <= $3 \
               AND (state IN ('queued', 'running') OR finished_at >= $4 OR (state = 'dead' AND NOT EXISTS \
                    (SELECT 1 FROM jobs b WHERE b.processor = jobs.processor \
                     AND b.partition_key = jobs.partition_key AND b.generation > jobs.generation))))",
            names = names.join(", ")
        );
        (sql, params)
    }
}

/// Enqueues every processor of `phases` on every date of `from..=to` as one group, at most
/// `max_workers` workers at once. Its successes trigger downstream work only up to the last of
/// `phases` (run the later phases to bring them up to date). Partitions that ran before get a new generation (a backfill
/// is a request to recompute); partitions with a queued job keep it.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue(
    db: &Db,
    clock: &dyn Clock,
    graph: &Graph,
    from: GameDate,
    to: GameDate,
    phases: RangeInclusive<u8>,
    max_workers: usize,
    max_attempts: i64,
) -> Result<Backfill> {
    if from > to {
        return Err(Error::Invalid(format!("--from {from} is after --to {to}")));
    }
    let processors: Vec<&'static str> = graph
        .nodes()
        .iter()
        .filter(|n| phases.contains(&n.phase))
        .map(|n| n.name)
        .collect();
    if processors.is_empty() {
        return Err(Error::Invalid(format!(
            "no processors in phases {}-{}",
            phases.start(),
            phases.end()
        )));
    }
    let group_id = jobs::create_group(
        db,
        clock,
        max_workers,
        Some(*phases.end()),
        &format!(
            "backfill {from}..{to} phases {}-{}",
            phases.start(),
            phases.end()
        ),
    )
    .await?;
    db.execute(
        "UPDATE job_groups SET min_phase = CAST($1 AS BIGINT), from_date = $2, to_date = $3 WHERE group_id = $4",
        &[
            i64::from(*phases.start()).into(),
            from.to_string().into(),
            to.to_string().into(),
            group_id.as_str().into(),
        ],
    )
    .await?;
    let work: Vec<(&str, GameDate)> = processors
        .iter()
        .flat_map(|p| from.through(to).map(move |d| (*p, d)))
        .collect();
    let opts = JobOptions {
        correlation_id: group_id.clone(),
        group_id: Some(group_id.clone()),
        max_attempts,
        reason: format!("backfill {from}..{to}"),
        max_phase: Some(*phases.end()),
    };
    let enqueued = jobs::enqueue(db, clock, graph, &work, &opts).await?;
    Ok(Backfill {
        correlation_id: group_id.clone(),
        group_id,
        enqueued,
        processors,
        from,
        to,
        since: clock.now_ms(),
    })
}

/// The backfill that created group `group_id`, as [`enqueue`] returned it (without its
/// enqueue counts); `None` for an unknown group or one that is not a backfill.
pub async fn load(db: &Db, graph: &Graph, group_id: &str) -> Result<Option<Backfill>> {
    let rows = db
        .query(
            "SELECT min_phase, max_phase, from_date, to_date, created_at FROM job_groups WHERE group_id = $1",
            &[group_id.into()],
        )
        .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let (Some(lo), Some(hi), Some(from), Some(to)) = (r.i64(0), r.i64(1), r.str(2), r.str(3))
    else {
        return Ok(None);
    };
    let bad = |e| Error::Invalid(format!("backfill group {group_id}: {e}"));
    let (from, to) = (
        GameDate::parse(from).map_err(bad)?,
        GameDate::parse(to).map_err(bad)?,
    );
    Ok(Some(Backfill {
        group_id: group_id.to_string(),
        correlation_id: group_id.to_string(),
        enqueued: Enqueued::default(),
        processors: graph
            .nodes()
            .iter()
            .filter(|n| (lo..=hi).contains(&i64::from(n.phase)))
            .map(|n| n.name)
            .collect(),
        from,
        to,
        since: r.i64(4).unwrap_or(0),
    }))
}

/// Job counts of a backfill (see [`Backfill::scope`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub queued: i64,
    pub running: i64,
    pub succeeded: i64,
    pub dead: i64,
    /// Queued jobs that wait for a dead upstream partition (counted in `queued` too).
    pub blocked: i64,
}

impl Progress {
    pub fn total(&self) -> i64 {
        self.queued + self.running + self.succeeded + self.dead
    }
    /// Nothing left that can run: every queued job (if any) waits for a dead partition, which
    /// only a person can retry.
    pub fn finished(&self) -> bool {
        self.running == 0 && self.queued == self.blocked
    }
}

pub async fn progress(db: &Db, graph: &Graph, backfill: &Backfill) -> Result<Progress> {
    let (scope, params) = backfill.scope();
    let rows = db
        .query(
            &format!("SELECT state, COUNT(*) FROM jobs WHERE {scope} GROUP BY state"),
            &params,
        )
        .await?;
    let c: std::collections::HashMap<JobState, i64> = rows
        .iter()
        .filter_map(|r| Some((JobState::parse(r.str(0)?)?, r.i64(1).unwrap_or(0))))
        .collect();
    let get = |s| c.get(&s).copied().unwrap_or(0);
    let mut p = Progress {
        queued: get(JobState::Queued),
        running: get(JobState::Running),
        succeeded: get(JobState::Succeeded),
        dead: get(JobState::Dead),
        blocked: 0,
    };
    // Only worth a look when nothing runs (or something is dead): while work runs, the
    // backfill is not finished either way.
    if p.queued > 0 && (p.running == 0 || p.dead > 0) {
        p.blocked = blocked(db, graph, backfill).await?.len() as i64;
    }
    Ok(p)
}

/// The backfill's queued jobs that wait for a dead upstream partition.
pub async fn blocked(db: &Db, graph: &Graph, backfill: &Backfill) -> Result<Vec<Blocked>> {
    let (scope, params) = backfill.scope();
    jobs::blocked(db, graph, Some((&scope, &params))).await
}

/// Waits until no job of the backfill can run any more (every one succeeded, is dead, or waits
/// for a dead partition), reporting progress as it goes. A read that fails (the database
/// restarting) is retried.
pub async fn wait(
    db: &Db,
    graph: &Graph,
    backfill: &Backfill,
    poll: Duration,
    on_progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Progress> {
    let mut failures = 0u32;
    loop {
        match progress(db, graph, backfill).await {
            Ok(p) => {
                failures = 0;
                on_progress(p);
                if p.finished() {
                    return Ok(p);
                }
            }
            Err(e) if failures < 60 => {
                failures += 1;
                tracing::warn!(group_id = %backfill.group_id, error = %e, "Could not read the backfill's progress; retrying.");
            }
            Err(e) => return Err(e),
        }
        tokio::time::sleep(poll).await;
    }
}

/// What a group's jobs did, per processor: jobs by outcome, rows written, dead jobs' errors.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessorSummary {
    pub processor: String,
    pub changed: i64,
    pub unchanged: i64,
    pub no_input: i64,
    pub dead: i64,
    pub rows: i64,
}

pub async fn summary(db: &Db, backfill: &Backfill) -> Result<(Vec<ProcessorSummary>, Vec<String>)> {
    let (scope, params) = backfill.scope();
    let rows = db
        .query(
            &format!(
                "SELECT j.processor, \
                    SUM(CASE WHEN j.outcome = 'changed' THEN 1 ELSE 0 END), \
                    SUM(CASE WHEN j.outcome = 'unchanged' THEN 1 ELSE 0 END), \
                    SUM(CASE WHEN j.outcome = 'no_input' THEN 1 ELSE 0 END), \
                    SUM(CASE WHEN j.state = 'dead' THEN 1 ELSE 0 END), \
                    CAST(COALESCE(SUM(r.rows_written), 0) AS BIGINT) \
                 FROM (SELECT * FROM jobs WHERE {scope}) j \
                 LEFT JOIN runs r ON r.job_id = j.job_id AND r.status = 'succeeded' \
                 GROUP BY j.processor"
            ),
            &params,
        )
        .await?;
    let per = rows
        .iter()
        .map(|r| ProcessorSummary {
            processor: r.text(0),
            changed: r.i64(1).unwrap_or(0),
            unchanged: r.i64(2).unwrap_or(0),
            no_input: r.i64(3).unwrap_or(0),
            dead: r.i64(4).unwrap_or(0),
            rows: r.i64(5).unwrap_or(0),
        })
        .collect();
    let dead = db
        .query(
            &format!(
                "SELECT job_id, processor, partition_key, last_error FROM jobs \
                 WHERE state = 'dead' AND ({scope}) ORDER BY processor, partition_key"
            ),
            &params,
        )
        .await?
        .iter()
        .map(|r| {
            format!(
                "job {} {} {}: {}",
                r.i64(0).unwrap_or(0),
                r.text(1),
                r.text(2),
                r.text(3)
            )
        })
        .collect();
    Ok((per, dead))
}
