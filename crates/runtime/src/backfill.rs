//! Backfills through the runtime: the same jobs, claims and triggers as the daily run, in a
//! group that caps how many workers run it at once, with progress read from the job table.

use crate::jobs::{self, Enqueued, JobOptions, JobState};
use crate::{Clock, Error, Graph, Result};
use nba_props_core::GameDate;
use nba_props_store::Db;
use std::ops::RangeInclusive;
use std::time::Duration;

/// A backfill that was enqueued.
#[derive(Debug, Clone)]
pub struct Backfill {
    pub group_id: String,
    pub correlation_id: String,
    pub enqueued: Enqueued,
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
    let processors: Vec<&str> = graph
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
    })
}

/// Job counts of a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub queued: i64,
    pub running: i64,
    pub succeeded: i64,
    pub dead: i64,
}

impl Progress {
    pub fn total(&self) -> i64 {
        self.queued + self.running + self.succeeded + self.dead
    }
    pub fn finished(&self) -> bool {
        self.queued == 0 && self.running == 0
    }
}

pub async fn progress(db: &Db, group_id: &str) -> Result<Progress> {
    let c = jobs::counts(db, Some(group_id)).await?;
    let get = |s| c.get(&s).copied().unwrap_or(0);
    Ok(Progress {
        queued: get(JobState::Queued),
        running: get(JobState::Running),
        succeeded: get(JobState::Succeeded),
        dead: get(JobState::Dead),
    })
}

/// Waits until no job of the group is queued or running, reporting progress as it goes. A read
/// that fails (the database restarting) is retried.
pub async fn wait(
    db: &Db,
    group_id: &str,
    poll: Duration,
    on_progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Progress> {
    let mut failures = 0u32;
    loop {
        match progress(db, group_id).await {
            Ok(p) => {
                failures = 0;
                on_progress(p);
                if p.finished() {
                    return Ok(p);
                }
            }
            Err(e) if failures < 60 => {
                failures += 1;
                tracing::warn!(group_id, error = %e, "Could not read the backfill's progress; retrying.");
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

pub async fn summary(db: &Db, group_id: &str) -> Result<(Vec<ProcessorSummary>, Vec<String>)> {
    let rows = db
        .query(
            "SELECT j.processor, \
                    SUM(CASE WHEN j.outcome = 'changed' THEN 1 ELSE 0 END), \
                    SUM(CASE WHEN j.outcome = 'unchanged' THEN 1 ELSE 0 END), \
                    SUM(CASE WHEN j.outcome = 'no_input' THEN 1 ELSE 0 END), \
                    SUM(CASE WHEN j.state = 'dead' THEN 1 ELSE 0 END), \
                    CAST(COALESCE(SUM(r.rows_written), 0) AS BIGINT) \
             FROM jobs j LEFT JOIN runs r ON r.job_id = j.job_id AND r.status = 'succeeded' \
             WHERE j.group_id = $1 GROUP BY j.processor",
            &[group_id.into()],
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
            "SELECT job_id, processor, partition_key, last_error FROM jobs \
             WHERE group_id = $1 AND state = 'dead' ORDER BY processor, partition_key",
            &[group_id.into()],
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
