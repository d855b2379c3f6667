//! Runs a processor on partitions: transform, then one transaction that replaces each partition's
//! rows and unmatched rows and records its run, so the run record and the rows it describes can
//! never disagree. Backfills write several partitions of one processor per transaction (group
//! commit: each is still replaced exactly, each has its own run record); when such a transaction
//! fails, every partition is retried in its own, so a failure is attributed to its date.

use crate::processor::BoxFuture;
use crate::processor::{Ctx, Declaration, Input, Output, ProcessError, Processor, Unmatched};
use nba_props_core::GameDate;
use nba_props_store::runs::{self, JobTag, RunRecord, RunStatus};
use nba_props_store::schema::UNMATCHED_ROWS;
use nba_props_store::{Tx, Value, content_hash, partition_lock_names, raw};
use std::time::Instant;

/// What the job runtime adds to a partition write, inside the same transaction: a check before
/// anything is written (the lease epoch: a worker that lost its lease must not write) and the
/// bookkeeping after it (job state, heartbeats, downstream jobs), so the rows, the run record
/// and what follows from them commit together or not at all.
pub trait WriteHook: Send + Sync {
    /// Called after the outputs are computed, before the output transaction begins.
    fn about_to_write(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
    /// The job a date's run belongs to, recorded on its run record.
    fn tag(&self, date: GameDate) -> Option<JobTag>;
    /// Called first in the output transaction; an error aborts the write.
    fn before_write<'a>(
        &'a self,
        tx: &'a mut Tx,
        dates: &'a [GameDate],
    ) -> BoxFuture<'a, Result<(), nba_props_store::Error>>;
    /// Called last in the output transaction, after the rows and run records.
    fn after_write<'a>(
        &'a self,
        tx: &'a mut Tx,
        written: &'a [Written],
    ) -> BoxFuture<'a, Result<(), nba_props_store::Error>>;
}

/// One partition a write replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub date: GameDate,
    pub rows: u64,
    pub unmatched: usize,
    /// The output differs from the previous success (or there was none).
    pub changed: bool,
    pub output_hash: String,
}

/// How one (processor, partition) run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Succeeded {
        rows: u64,
        unmatched: usize,
        changed: bool,
    },
    /// No input existed; nothing was written or recorded.
    NoInput,
    Failed {
        error: String,
        /// Trying again later can succeed (a lock, the network, a full disk); otherwise the same
        /// inputs fail the same way (a payload that cannot parse, a constraint the data breaks).
        retryable: bool,
    },
    /// The write was refused because this worker's lease is no longer current; another worker
    /// owns the partition now, so nothing was written or recorded.
    Fenced { error: String },
}

/// One run's outcome with what it reported along the way.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub processor: &'static str,
    pub date: GameDate,
    pub outcome: Outcome,
    /// Clear messages of payloads that failed to parse (each names file, dataset and field).
    pub bad_payloads: Vec<String>,
}

/// A computed output waiting to be written.
struct Pending {
    date: GameDate,
    output: Output,
    run: RunRecord,
    bad_payloads: Vec<String>,
}

/// Whether partitions of this processor may share a transaction: not when it reads its own
/// output (a later date would have to see an earlier date's rows before they are written).
pub fn can_group(processor: &dyn Processor) -> bool {
    let decl = processor.declaration();
    !decl.inputs.iter().any(
        |i| matches!(i, Input::Table { name, .. } if decl.outputs.iter().any(|t| t.name == *name)),
    )
}

/// Runs `processor` on each date and writes the successful outputs in one transaction.
/// Callers pass several dates only when [`can_group`] allows it.
pub async fn run_partitions(
    ctx: &Ctx,
    processor: &dyn Processor,
    dates: &[GameDate],
) -> Vec<RunReport> {
    run_partitions_with(ctx, processor, dates, None).await
}

/// [`run_partitions`] with the runtime's checks and bookkeeping inside each output transaction.
pub async fn run_partitions_with(
    ctx: &Ctx,
    processor: &dyn Processor,
    dates: &[GameDate],
    hook: Option<&dyn WriteHook>,
) -> Vec<RunReport> {
    let decl = processor.declaration();
    // Only raw payloads have parse failures (and only they can heal).
    let reads_raw = decl.inputs.iter().any(|i| matches!(i, Input::Raw { .. }));
    if reads_raw && let Err(e) = ctx.load_parse_failures().await {
        tracing::warn!(error = %e, "Could not read the recorded parse failures; every input will be checked.");
    }
    let name = decl.name;
    let mut reports = Vec::with_capacity(dates.len());
    let mut pending = Vec::new();
    for &date in dates {
        match compute(ctx, processor, date, hook).await {
            Ok(p) => pending.push(p),
            Err(report) => reports.push(report),
        }
    }
    if pending.is_empty() {
        return reports;
    }
    match write_all(ctx, decl, &mut pending, hook).await {
        Ok(outcomes) => {
            for (p, outcome) in pending.into_iter().zip(outcomes) {
                reports.push(RunReport {
                    processor: name,
                    date: p.date,
                    outcome,
                    bad_payloads: p.bad_payloads,
                });
            }
        }
        Err(e) if pending.len() > 1 => {
            tracing::info!(processor = name, error = %e, "A grouped write failed; writing each partition alone.");
            for p in pending {
                // The grouped write consumed the rows; recompute them (failures are rare).
                let mut alone = match compute(ctx, processor, p.date, hook).await {
                    Ok(again) => vec![again],
                    Err(report) => {
                        reports.push(report);
                        continue;
                    }
                };
                let outcome = match write_all(ctx, decl, &mut alone, hook).await {
                    Ok(mut o) => o.pop().expect("one outcome"),
                    Err(e) => write_failed(ctx, name, p.run.clone(), e).await,
                };
                reports.push(RunReport {
                    processor: name,
                    date: p.date,
                    outcome,
                    bad_payloads: p.bad_payloads,
                });
            }
        }
        Err(e) => {
            let p = pending.pop().expect("one pending write");
            let outcome = write_failed(ctx, name, p.run, e).await;
            reports.push(RunReport {
                processor: name,
                date: p.date,
                outcome,
                bad_payloads: p.bad_payloads,
            });
        }
    }
    reports.sort_by_key(|r| r.date);
    reports
}

/// Runs the transform; a failure or a missing input comes back as a finished report.
async fn compute(
    ctx: &Ctx,
    processor: &dyn Processor,
    date: GameDate,
    hook: Option<&dyn WriteHook>,
) -> Result<Pending, RunReport> {
    let name = processor.declaration().name;
    let started_at = jiff::Timestamp::now();
    let clock = Instant::now();
    let result = processor.run(ctx, date).await;
    let run = RunRecord {
        processor: name.to_string(),
        partition_key: date.to_string(),
        status: RunStatus::Succeeded,
        started_at: started_at.to_string(),
        finished_at: String::new(),
        duration_ms: clock.elapsed().as_millis() as i64,
        rows_written: None,
        unmatched: None,
        output_hash: None,
        inputs: None,
        message: None,
        build: ctx.build.to_string(),
        job: hook.and_then(|h| h.tag(date)),
    };
    let mut report = RunReport {
        processor: name,
        date,
        outcome: Outcome::NoInput,
        bad_payloads: Vec::new(),
    };
    let bad = match &result {
        Ok(output) => output.bad_payloads.as_slice(),
        Err(ProcessError::BadInput(bad)) => bad.as_slice(),
        Err(_) => &[],
    };
    for (meta, err) in bad {
        report.bad_payloads.push(err.to_string());
        let (message, build) = (err.to_string(), ctx.build.to_string());
        let marked = raw::record_parse_failure(&ctx.store.db, meta, name, &message, &build);
        if let Err(e) = marked.await {
            tracing::error!(processor = name, sha256 = %meta.sha256, error = %e, "Could not mark a payload as failed.");
        }
    }
    match result {
        Err(ProcessError::NoInput) => Err(report),
        Err(e) => {
            let retryable = e.is_retryable();
            report.outcome = fail(ctx, name, run, e.to_string(), retryable).await;
            Err(report)
        }
        Ok(output) => Ok(Pending {
            date,
            output,
            run,
            bad_payloads: report.bad_payloads,
        }),
    }
}

/// A write that failed: fenced (another worker owns the partition: record nothing, the other
/// worker's run is the partition's truth) or failed (recorded).
async fn write_failed(
    ctx: &Ctx,
    name: &str,
    run: RunRecord,
    error: nba_props_store::Error,
) -> Outcome {
    if let nba_props_store::Error::Fenced(_) = &error {
        tracing::error!(processor = name, partition = %run.partition_key, job_id = ?run.job.as_ref().map(|j| j.job_id),
            epoch = ?run.job.as_ref().map(|j| j.epoch), %error, "Write rejected by the lease epoch check; nothing was written.");
        return Outcome::Fenced {
            error: error.to_string(),
        };
    }
    let retryable = error.is_retryable();
    fail(ctx, name, run, error.to_string(), retryable).await
}

/// Records a failed run (on its own: it has no output transaction).
async fn fail(
    ctx: &Ctx,
    name: &str,
    mut run: RunRecord,
    error: String,
    retryable: bool,
) -> Outcome {
    tracing::warn!(processor = name, partition = %run.partition_key, %error, "Run failed.");
    run.status = RunStatus::Failed;
    run.finished_at = jiff::Timestamp::now().to_string();
    run.message = Some(error.clone());
    if let Err(rec) = runs::record(&ctx.store.db, &run).await {
        // Losing a run record would make completion lie: say so loudly.
        tracing::error!(processor = name, partition = %run.partition_key, error = %rec, "Could not record a failed run.");
    }
    Outcome::Failed { error, retryable }
}

/// Writes the pending outputs of one processor in one transaction: per table one delete of all
/// their partitions and one insert of all their rows, then all run records.
async fn write_all(
    ctx: &Ctx,
    decl: &Declaration,
    pending: &mut [Pending],
    hook: Option<&dyn WriteHook>,
) -> Result<Vec<Outcome>, nba_props_store::Error> {
    let name = decl.name;
    let dates: Vec<String> = pending.iter().map(|p| p.date.to_string()).collect();
    let run_keys: Vec<Vec<Value>> = dates
        .iter()
        .map(|d| vec![Value::from(name), d.as_str().into()])
        .collect();
    if let Some(h) = hook {
        h.about_to_write().await;
    }
    let mut tx = ctx.store.db.begin().await?;
    if let Some(h) = hook {
        let days: Vec<GameDate> = pending.iter().map(|p| p.date).collect();
        h.before_write(&mut tx, &days).await?;
    }
    // Every partition this transaction replaces, locked in one statement.
    let partitions: Vec<Vec<Value>> = dates
        .iter()
        .map(|d| vec![Value::from(d.as_str())])
        .collect();
    let mut locks = partition_lock_names(&UNMATCHED_ROWS, &run_keys);
    for table in decl.outputs {
        locks.extend(partition_lock_names(table, &partitions));
    }
    tx.lock_all_named(&locks).await?;
    let previous = runs::last_successes_in(&mut tx, name, &dates).await?;

    // Every declared output table is replaced on every date, also when a date has no rows for it.
    let mut tables: Vec<(&'static nba_props_store::TableDef, Vec<Vec<Value>>)> =
        decl.outputs.iter().map(|t| (*t, Vec::new())).collect();
    let mut unmatched_rows = Vec::new();
    let mut unmatched_partitions = Vec::new();
    let mut records = Vec::with_capacity(pending.len());
    let mut outcomes = Vec::with_capacity(pending.len());
    let mut written = Vec::with_capacity(pending.len());
    for ((p, date), run_key) in pending.iter_mut().zip(&dates).zip(&run_keys) {
        let unmatched: Vec<Vec<Value>> = dedup_unmatched(&p.output.unmatched)
            .into_iter()
            .map(|u| {
                vec![
                    name.into(),
                    date.as_str().into(),
                    u.payload_sha256.clone().into(),
                    u.item.clone().into(),
                    u.reason.clone().into(),
                ]
            })
            .collect();
        let fingerprint: Vec<Vec<Value>> = p
            .output
            .fingerprint
            .iter()
            .map(|f| vec![Value::from(f.as_str())])
            .collect();
        let hash = content_hash(
            p.output
                .tables
                .iter()
                .map(|(t, rows)| (t.name, rows.as_slice()))
                .chain([(UNMATCHED_ROWS.name, unmatched.as_slice())])
                .chain(
                    (!fingerprint.is_empty()).then_some(("fingerprint", fingerprint.as_slice())),
                ),
        );
        let before = previous.get(date);
        // The previous success (written in the same transaction as its unmatched rows) says
        // whether there are any to replace: skipping the statement matters on SQLite.
        // Pruning of run history must therefore keep each partition's latest success.
        if before.is_some_and(|(_, n)| *n > 0) || !unmatched.is_empty() {
            unmatched_partitions.push(run_key.clone());
        }
        let mut rows = 0u64;
        // Moved, not copied: a retry after a failed grouped write recomputes the rows.
        for (table, table_rows) in std::mem::take(&mut p.output.tables) {
            rows += table_rows.len() as u64;
            match tables.iter_mut().find(|(t, _)| t.name == table.name) {
                Some((_, all)) => all.extend(table_rows),
                None => {
                    return Err(nba_props_store::Error::Schema(format!(
                        "{name} wrote {}, which it does not declare",
                        table.name
                    )));
                }
            }
        }
        let mut run = p.run.clone();
        run.rows_written = Some(rows as i64);
        run.unmatched = Some(unmatched.len() as i64);
        run.output_hash = Some(hash.clone());
        run.inputs = Some(serde_json::to_string(&p.output.inputs).expect("strings serialise"));
        run.message = (!p.output.notes.is_empty()).then(|| p.output.notes.join("; "));
        run.finished_at = jiff::Timestamp::now().to_string();
        records.push(run);
        let changed = before.is_none_or(|(h, _)| *h != hash);
        outcomes.push(Outcome::Succeeded {
            rows,
            unmatched: unmatched.len(),
            changed,
        });
        written.push(Written {
            date: p.date,
            rows,
            unmatched: unmatched.len(),
            changed,
            output_hash: hash,
        });
        unmatched_rows.extend(unmatched);
    }
    for (table, rows) in tables {
        tx.replace_locked_partitions(table, &partitions, rows)
            .await?;
    }
    tx.replace_locked_partitions(&UNMATCHED_ROWS, &unmatched_partitions, unmatched_rows)
        .await?;
    // A payload that parses now is no longer failing (for example after a parser fix).
    let mut healed: Vec<&String> = pending
        .iter()
        .flat_map(|p| &p.output.inputs)
        .filter(|sha| ctx.had_parse_failure(sha))
        .collect();
    healed.sort();
    healed.dedup();
    if !healed.is_empty() {
        let ph: Vec<String> = (2..healed.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!(
            "DELETE FROM raw_parse_failures WHERE processor = $1 AND sha256 IN ({})",
            ph.join(", ")
        );
        let mut params = vec![Value::from(name)];
        params.extend(healed.iter().map(|s| Value::from(s.as_str())));
        tx.execute(&sql, &params).await?;
    }
    runs::record_in(&mut tx, &records).await?;
    if let Some(h) = hook {
        h.after_write(&mut tx, &written).await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// The same source row reported twice (read from two overlapping windows) is one unmatched row.
fn dedup_unmatched(items: &[Unmatched]) -> Vec<&Unmatched> {
    let mut seen = std::collections::HashSet::new();
    items
        .iter()
        .filter(|u| seen.insert((&u.payload_sha256, &u.item)))
        .collect()
}
