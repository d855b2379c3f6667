//! Checks of the runtime's own records: heartbeats, dead and failing jobs, builds in use.

use super::{Check, Ctx, Gap, Status};
use crate::Result;
use crate::config::HealthSettings;
use nba_props_core::GameDate;
use nba_props_runtime::clock::format_ms;
use nba_props_runtime::heartbeat;
use std::collections::BTreeMap;

/// Running workers silent for too long, and processors whose heartbeat stopped while the others
/// went on (relative to the newest processor run, so a quiet off-season is not a failure).
pub async fn stale_heartbeats(ctx: &Ctx<'_>, h: &HealthSettings) -> Result<Check> {
    let db = &ctx.store.db;
    let workers = heartbeat::workers(db).await?;
    let running: Vec<_> = workers.iter().filter(|w| w.state != "stopped").collect();
    let mut stale: Vec<String> = running
        .iter()
        .filter(|w| ctx.now - w.last_beat_at > h.stale_worker_ms)
        .map(|w| {
            format!(
                "worker {} (last beat {})",
                w.worker,
                format_ms(Some(w.last_beat_at))
            )
        })
        .collect();
    // A worker whose steps keep failing (the database unreachable, a full disk) still beats
    // when it can; its state says it is failing.
    stale.extend(
        running
            .iter()
            .filter(|w| w.state == "failing" && ctx.now - w.last_beat_at <= h.stale_worker_ms)
            .map(|w| {
                format!(
                    "worker {} is failing: {}",
                    w.worker,
                    w.current_job.as_deref().unwrap_or("(no error recorded)")
                )
            }),
    );
    let workers_stale = stale.len();
    let procs = heartbeat::processors(db).await?;
    let newest = procs.iter().map(|p| p.last_run_at).max().unwrap_or(0);
    stale.extend(
        procs
            .iter()
            .filter(|p| newest - p.last_run_at > h.stale_processor_ms)
            .map(|p| {
                format!(
                    "processor {} (last run {} on {}, {} h before the newest run)",
                    p.processor,
                    format_ms(Some(p.last_run_at)),
                    p.last_partition,
                    (newest - p.last_run_at) / 3_600_000
                )
            }),
    );
    Ok(Check::failing_if_any(
        "stale_heartbeats",
        format!(
            "{workers_stale} of {} running workers silent for over {} s or failing; {} of {} processors stopped for over {} h",
            running.len(),
            h.stale_worker_ms / 1000,
            stale.len() - workers_stale,
            procs.len(),
            h.stale_processor_ms / 3_600_000
        ),
        stale,
        1.0,
    ))
}

struct DeadJob {
    id: i64,
    processor: String,
    partition: String,
    error: String,
}

async fn dead(ctx: &Ctx<'_>) -> Result<Vec<DeadJob>> {
    let rows = ctx
        .store
        .db
        .query(
            "SELECT job_id, processor, partition_key, last_error FROM jobs WHERE state = 'dead' \
             ORDER BY processor, partition_key",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| DeadJob {
            id: r.i64(0).unwrap_or(0),
            processor: r.text(1),
            partition: r.text(2),
            error: r.text(3),
        })
        .collect())
}

/// Every dead job, whatever its date: it waits for a person (`jobs --retry`, `reconcile --fix`),
/// and so do the jobs it blocks (they would compute over its hole).
pub async fn dead_jobs(ctx: &Ctx<'_>) -> Result<Check> {
    let blocked = nba_props_runtime::jobs::blocked(&ctx.store.db, ctx.graph, None).await?;
    let mut concerned: Vec<String> = dead(ctx)
        .await?
        .iter()
        .map(|j| {
            let waiting = blocked.iter().filter(|b| b.by_job_id == j.id).count();
            format!(
                "{} {} (job {}): {}{}",
                j.processor,
                j.partition,
                j.id,
                j.error,
                if waiting > 0 {
                    format!("; {waiting} jobs wait for it")
                } else {
                    String::new()
                }
            )
        })
        .collect();
    let dead = concerned.len();
    concerned.extend(blocked.iter().map(|b| format!("blocked: {b}")));
    Ok(Check::failing_if_any(
        "dead_jobs",
        format!("{dead} dead jobs; {} jobs blocked by them", blocked.len()),
        concerned,
        1.0,
    ))
}

pub async fn dead_job_gaps(ctx: &Ctx<'_>) -> Result<Vec<Gap>> {
    Ok(dead(ctx)
        .await?
        .into_iter()
        .filter_map(|j| {
            Some(Gap {
                kind: "dead_job",
                date: GameDate::parse(&j.partition).ok()?,
                processor: j.processor,
                detail: format!("job {} is dead: {}", j.id, j.error),
                dead_job: Some(j.id),
            })
        })
        .collect())
}

/// Jobs failing and waiting for a retry, and the share of failed runs in the window: a warning
/// while retries may still succeed, a failure above `max_failure_rate`.
pub async fn failed_jobs(ctx: &Ctx<'_>, h: &HealthSettings) -> Result<Check> {
    let db = &ctx.store.db;
    let (from, to) = (ctx.from.to_string(), ctx.to.to_string());
    let retrying: Vec<String> = db
        .query(
            "SELECT processor, partition_key, attempts, max_attempts, last_error FROM jobs \
             WHERE state IN ('queued', 'running') AND attempts > 0 AND last_error IS NOT NULL \
             ORDER BY processor, partition_key",
            &[],
        )
        .await?
        .iter()
        .map(|r| {
            format!(
                "{} {} (attempt {}/{}): {}",
                r.text(0),
                r.text(1),
                r.i64(2).unwrap_or(0),
                r.i64(3).unwrap_or(0),
                r.text(4)
            )
        })
        .collect();
    let rows = db
        .query(
            "SELECT processor, partition_key, status FROM runs \
             WHERE partition_key >= $1 AND partition_key <= $2 AND status IN ('succeeded', 'failed')",
            &[from.into(), to.into()],
        )
        .await?;
    let total = rows.len();
    let mut failed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.str(2) == Some("failed")) {
        failed.entry(r.text(0)).or_default().push(r.text(1));
    }
    let n_failed: usize = failed.values().map(Vec::len).sum();
    let rate = if total == 0 {
        0.0
    } else {
        n_failed as f64 / total as f64
    };
    let mut concerned = retrying.clone();
    for (p, mut dates) in failed {
        dates.sort();
        dates.dedup();
        concerned.push(format!("{p} failed runs on {}", super::list(&dates, 10)));
    }
    let status = if rate > h.max_failure_rate {
        Status::Fail
    } else if !concerned.is_empty() {
        Status::Warn
    } else {
        Status::Pass
    };
    Ok(Check {
        name: "failed_jobs",
        status,
        figure: format!(
            "{} jobs retrying; {n_failed} of {total} runs in the window failed ({:.1}%, limit {:.1}%)",
            retrying.len(),
            100.0 * rate,
            100.0 * h.max_failure_rate
        ),
        concerned,
        weight: 1.0,
    })
}

/// The builds in use: a running worker on a build other than this binary's, or running workers
/// on several builds, fail (a deploy half done); runs of the window by several builds warn (the
/// tables mix outputs of different code until those partitions are recomputed).
pub async fn builds_in_use(ctx: &Ctx<'_>) -> Result<Check> {
    let seen = crate::drift::builds_seen(ctx.store, ctx.from, ctx.to).await?;
    let live: Vec<&crate::drift::BuildSeen> = seen.iter().filter(|b| b.live_workers > 0).collect();
    let concerned: Vec<String> = if seen.len() > 1 {
        seen.iter().map(|b| b.describe()).collect()
    } else {
        Vec::new()
    };
    let status = if live.len() > 1 || live.iter().any(|b| !b.is_this_binary) {
        Status::Fail
    } else if seen.len() > 1 {
        Status::Warn
    } else {
        Status::Pass
    };
    Ok(Check {
        name: "builds_in_use",
        status,
        figure: format!(
            "{} builds in runs and heartbeats of the window ({} on running workers); this binary is {}",
            seen.len(),
            live.len(),
            nba_props_core::BuildInfo::current()
        ),
        concerned,
        weight: 0.5,
    })
}
