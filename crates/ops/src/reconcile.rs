//! Reconciliation: derived completion (the runs and jobs) against the tables and against the
//! schedule, every gap listed; with `fix`, the work that closes each gap is enqueued (a dead job
//! is retried, anything else gets a new job of the processor on the date). The workers then run
//! it like any other job, and the downstream work follows by the usual triggers.

use crate::Result;
use crate::config::OpsConfig;
use crate::health::{self, Ctx, Gap};
use nba_props_core::GameDate;
use nba_props_runtime::jobs::{self, JobOptions};
use nba_props_runtime::{Clock, Graph};
use nba_props_store::Store;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReconcileReport {
    pub from: String,
    pub to: String,
    pub gaps: Vec<Gap>,
    /// With `fix`: jobs created, partitions that already had a queued job, dead jobs retried.
    pub created: usize,
    pub coalesced: usize,
    pub retried: Vec<i64>,
    /// Gaps no processor of this graph can close (a source dataset without its fetch).
    pub unfixable: Vec<String>,
}

pub async fn reconcile(
    store: &Store,
    clock: &dyn Clock,
    graph: &Graph,
    config: &OpsConfig,
    days: u32,
    fix: bool,
    max_attempts: i64,
) -> Result<ReconcileReport> {
    let ctx = Ctx::new(store, clock, graph, config, days).await?;
    let gaps = health::gaps(&ctx).await?;
    let mut report = ReconcileReport {
        from: ctx.from.to_string(),
        to: ctx.to.to_string(),
        ..Default::default()
    };
    if fix {
        let mut work: BTreeSet<(&str, GameDate)> = BTreeSet::new();
        let dead_keys: BTreeSet<(&str, GameDate)> = gaps
            .iter()
            .filter(|g| g.dead_job.is_some())
            .map(|g| (g.processor.as_str(), g.date))
            .collect();
        for g in &gaps {
            if let Some(id) = g.dead_job {
                let job = jobs::retry(&store.db, clock, id).await?;
                report.retried.push(job.job_id);
            } else if let Some(node) = graph.node(&g.processor) {
                // A retried dead job already covers its partition.
                if !dead_keys.contains(&(node.name, g.date)) {
                    work.insert((node.name, g.date));
                }
            } else {
                report.unfixable.push(format!(
                    "{} {}: no processor {} in this graph",
                    g.kind, g.date, g.processor
                ));
            }
        }
        if !work.is_empty() {
            let work: Vec<(&str, GameDate)> = work.into_iter().collect();
            let opts = JobOptions {
                correlation_id: format!("reconcile-{}", clock.now_ms()),
                group_id: None,
                max_attempts,
                reason: format!("reconcile {}..{}", ctx.from, ctx.to),
                max_phase: None,
            };
            let e = jobs::enqueue(&store.db, clock, graph, &work, &opts).await?;
            report.created = e.created;
            report.coalesced = e.coalesced;
        }
    }
    report.gaps = gaps;
    Ok(report)
}
