//! Exactly-once triggering. The transaction that records an upstream success also creates the
//! downstream jobs; nothing outside it lists what follows what.
//!
//! Why it cannot trigger twice or never:
//! - The upstream transaction first takes each downstream processor's lock (claims of that
//!   processor take it too), then its finish position on the runtime's logical clock. A claim of
//!   a downstream job therefore either committed before (its claim position is smaller: the job
//!   may have read the old output, so a new generation is made) or waits for the upstream commit
//!   (its position is larger and it reads the new output).
//! - A downstream partition with a queued job gets no new job: that job has not read its inputs.
//! - Job keys are unique (processor, partition, generation) and inserted with
//!   `ON CONFLICT DO NOTHING`.
//! - A trigger delivered again, or out of order, carries the upstream run's finish position;
//!   every partition whose latest job was claimed after it is left alone.
//! - An upstream run whose output hash did not change triggers nothing.

use crate::dag::{Graph, Node};
use crate::jobs::{self, Candidate, Enqueued, JobOptions};
use crate::{Clock, Error, Result};
use nba_props_core::GameDate;
use nba_props_pipeline::processor::Window;
use nba_props_store::{Db, Tx};
use std::collections::BTreeMap;

/// The partitions of each downstream processor that a change on `dates` of `upstream` affects:
/// a same-date edge creates the partition's job; a wider window re-runs partitions that have had
/// jobs before (the dates it reads were complete when they ran, or they are queued).
fn affected(
    node: &Node,
    dates: &[GameDate],
    max_phase: Option<u8>,
) -> BTreeMap<&'static str, Vec<Candidate>> {
    let mut out: BTreeMap<&'static str, BTreeMap<GameDate, bool>> = BTreeMap::new();
    for edge in &node.downstream {
        if max_phase.is_some_and(|m| edge.phase > m) {
            continue;
        }
        let per = out.entry(edge.to).or_default();
        for &x in dates {
            if edge.window == Window::Date {
                per.insert(x, false);
                continue;
            }
            let (lo, hi) = edge.window.dependents(x);
            for d in lo.through(hi) {
                per.entry(d).or_insert(true);
            }
        }
    }
    out.into_iter()
        .map(|(p, dates)| {
            let cs = dates
                .into_iter()
                .map(|(date, only_if_exists)| Candidate {
                    date,
                    only_if_exists,
                })
                .collect();
            (p, cs)
        })
        .collect()
}

/// Takes the locks of every processor downstream of `upstream`, in name order (the order every
/// transaction uses). Call before taking the finish position.
pub(crate) async fn lock_downstream(tx: &mut Tx, node: &Node) -> nba_props_store::Result<()> {
    tx.lock_all_named(&downstream_locks(node)).await
}

/// The lock names of every processor downstream of `node`, in the order they are taken.
pub(crate) fn downstream_locks(node: &Node) -> Vec<String> {
    let mut names: Vec<&str> = node.downstream.iter().map(|e| e.to).collect();
    names.sort_unstable();
    names.dedup();
    names.into_iter().map(jobs::processor_lock).collect()
}

/// Creates the downstream jobs of a success of `upstream` on `changed` dates, which finished at
/// position `finished_seq`. Inside the upstream's output transaction, after the locks of
/// [`downstream_locks`].
pub(crate) async fn after_success(
    tx: &mut Tx,
    node: &Node,
    changed: &[GameDate],
    finished_seq: i64,
    opts: &JobOptions,
    now: i64,
) -> Result<Enqueued> {
    let mut total = Enqueued::default();
    if changed.is_empty() {
        return Ok(total);
    }
    for (processor, candidates) in affected(node, changed, opts.max_phase) {
        let e = jobs::ensure(tx, processor, &candidates, Some(finished_seq), opts, now).await?;
        total.created += e.created;
        total.coalesced += e.coalesced;
        total.already_seen += e.already_seen;
    }
    Ok(total)
}

/// Delivers the trigger of a recorded success again, as a message bus would (duplicated, late or
/// out of order): `upstream` on `date`, generation `generation`. Work that already read that
/// output is left alone; an upstream job that did not succeed with a changed output triggers
/// nothing.
pub async fn deliver(
    db: &Db,
    clock: &dyn Clock,
    graph: &Graph,
    upstream: &str,
    date: GameDate,
    generation: i64,
) -> Result<Enqueued> {
    let node = graph
        .node(upstream)
        .ok_or_else(|| Error::NotFound(format!("no processor named {upstream}")))?;
    let rows = db
        .query(
            "SELECT j.state, j.outcome, j.finished_seq, j.correlation_id, j.group_id, j.max_attempts, \
                    (SELECT g.max_phase FROM job_groups g WHERE g.group_id = j.group_id) FROM jobs j \
             WHERE j.processor = $1 AND j.partition_key = $2 AND j.generation = $3",
            &[upstream.into(), date.to_string().into(), generation.into()],
        )
        .await?;
    let Some(r) = rows.first() else {
        return Err(Error::NotFound(format!(
            "no job {upstream} {date} generation {generation}"
        )));
    };
    let (Some("succeeded"), Some("changed"), Some(finished_seq)) = (r.str(0), r.str(1), r.i64(2))
    else {
        return Ok(Enqueued::default());
    };
    let opts = JobOptions {
        correlation_id: r.text(3),
        group_id: r.str(4).map(str::to_string),
        max_attempts: r.i64(5).unwrap_or(5),
        reason: format!("after {upstream} {date} (generation {generation}, delivered again)"),
        max_phase: r.i64(6).and_then(|p| u8::try_from(p).ok()),
    };
    let mut tx = db.begin().await?;
    lock_downstream(&mut tx, node).await?;
    let done = after_success(&mut tx, node, &[date], finished_seq, &opts, clock.now_ms()).await?;
    tx.commit().await?;
    Ok(done)
}
