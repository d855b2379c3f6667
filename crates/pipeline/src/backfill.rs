//! In-process backfill: every selected processor over a date range, processor by processor in
//! dependency order, so a processor that looks across dates (the schedule reads the season's box
//! scores) sees its inputs complete. The durable job runtime will replace the loop, not the runs.

use crate::processor::{Ctx, Processor, dependency_order};
use crate::runner::{Outcome, RunReport, can_group, run_partitions};
use nba_props_core::GameDate;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::task::JoinSet;

/// Per-processor totals of a backfill.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ProcessorTotals {
    pub succeeded: usize,
    pub changed: usize,
    pub no_input: usize,
    pub failed: usize,
    pub rows: u64,
    pub unmatched: usize,
}

#[derive(Debug, Default, Clone)]
pub struct BackfillSummary {
    pub totals: BTreeMap<&'static str, ProcessorTotals>,
    /// "processor date: error" for each failed run.
    pub failures: Vec<String>,
    /// Each payload that failed to parse, once.
    pub bad_payloads: Vec<String>,
}

/// Consecutive dates of one processor written per transaction in a backfill. SQLite pays a
/// round trip per statement and a WAL append per commit: grouping a month of partitions made a
/// season's phase 2 several times faster.
const GROUP_COMMIT_DATES: usize = 31;

impl BackfillSummary {
    fn add_all(&mut self, reports: &[RunReport], on_run: &(dyn Fn(&RunReport) + Sync)) {
        for r in reports {
            on_run(r);
            self.add(r);
        }
    }

    pub fn ok(&self) -> bool {
        self.failures.is_empty() && self.bad_payloads.is_empty()
    }

    fn add(&mut self, r: &RunReport) {
        let t = self.totals.entry(r.processor).or_default();
        match &r.outcome {
            Outcome::Succeeded {
                rows,
                unmatched,
                changed,
            } => {
                t.succeeded += 1;
                t.changed += *changed as usize;
                t.rows += rows;
                t.unmatched += unmatched;
            }
            Outcome::NoInput => t.no_input += 1,
            Outcome::Failed { error, .. } | Outcome::Fenced { error } => {
                t.failed += 1;
                self.failures
                    .push(format!("{} {}: {error}", r.processor, r.date));
            }
        }
        for p in &r.bad_payloads {
            if !self.bad_payloads.contains(p) {
                self.bad_payloads.push(p.clone());
            }
        }
    }
}

/// The processors of the given phases, in dependency order.
pub fn processors_for(phases: std::ops::RangeInclusive<u8>) -> Vec<Box<dyn Processor>> {
    let mut all = crate::phase2::processors();
    all.extend(crate::phase3::processors());
    all.extend(crate::phase4::processors());
    all.extend(crate::phase5::processors());
    dependency_order(
        all.into_iter()
            .filter(|p| phases.contains(&p.declaration().phase))
            .collect(),
    )
}

/// Runs `processors` for every date in `from..=to`, at most `jobs` partitions at once;
/// `on_run` sees every report as it finishes (for progress bars). Build `ctx` with
/// [`Ctx::snapshot_raw_index`] to read each dataset's raw index once.
pub async fn backfill(
    ctx: Arc<Ctx>,
    processors: Vec<Box<dyn Processor>>,
    from: GameDate,
    to: GameDate,
    jobs: usize,
    on_run: &(dyn Fn(&RunReport) + Sync),
) -> BackfillSummary {
    let mut summary = BackfillSummary::default();
    let dates: Vec<GameDate> = from.through(to).collect();
    for processor in processors {
        let processor: Arc<dyn Processor> = Arc::from(processor);
        let group = if can_group(processor.as_ref()) {
            GROUP_COMMIT_DATES
        } else {
            1
        };
        let mut running: JoinSet<Vec<RunReport>> = JoinSet::new();
        for batch in dates.chunks(group) {
            if running.len() >= jobs.max(1) {
                let reports = running
                    .join_next()
                    .await
                    .expect("a task is running")
                    .expect("runs do not panic");
                summary.add_all(&reports, on_run);
            }
            let (ctx, processor, batch) = (ctx.clone(), processor.clone(), batch.to_vec());
            running.spawn(async move { run_partitions(&ctx, processor.as_ref(), &batch).await });
        }
        while let Some(reports) = running.join_next().await {
            summary.add_all(&reports.expect("runs do not panic"), on_run);
        }
    }
    summary
}
