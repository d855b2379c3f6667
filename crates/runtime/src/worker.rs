//! A worker: claims a batch of ready jobs, runs the processor on them under renewed leases, and
//! writes each partition with the job bookkeeping in the same transaction ([`JobHook`]).
//! [`Worker::step`] is one claim-and-run, so tests can drive a worker a step at a time;
//! [`Worker::run`] loops until shut down, with a heartbeat task beside it.

use crate::dag::{Graph, Node};
use crate::heartbeat::{self, WorkerBeat};
use crate::jobs::{self, ClaimOptions, Claimed, ClaimedJob, JobOptions};
use crate::lease::{self, Held};
use crate::stmt::{Params, execute_together};
use crate::{Clock, Result, seq, trigger};
use nba_props_core::{BuildInfo, GameDate};
use nba_props_pipeline::Ctx;
use nba_props_pipeline::processor::{BatchInputs, BatchReads, BoxFuture};
use nba_props_pipeline::runner::{Outcome, RunReport, WriteHook, Written, run_partitions_with};
use nba_props_store::runs::JobTag;
use nba_props_store::{Store, Tx};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tracing::Instrument;

/// How a worker behaves; every field has a default fit for production.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The worker's name: its heartbeat row and the holder of its leases. Stable across
    /// restarts, so a restarted worker reuses its row.
    pub name: String,
    /// How long a lease lasts without renewal; renewed every third of it.
    pub lease_ttl_ms: i64,
    /// How long an idle worker waits before looking for work again.
    pub poll_ms: u64,
    pub heartbeat_ms: u64,
    /// Partitions of one processor claimed and written together.
    pub max_batch: usize,
    /// Attempts before a job is parked as dead (set on the jobs this worker's runs create).
    pub max_attempts: i64,
    /// Crashes (attempts whose worker died holding the job) before a job is dead; higher than
    /// `max_attempts`, since a crash says more about the worker than about the job.
    pub max_crashes: i64,
    /// First retry delay; doubles with every attempt.
    pub retry_base_ms: i64,
    /// Stop when no job is ready (scripts; the default is to wait for work).
    pub exit_when_idle: bool,
    /// Fault injection for the fencing test: sleep this long after computing a batch and
    /// before its output transaction (`NBA_PROPS_FAULT_PAUSE_BEFORE_WRITE_MS`).
    pub pause_before_write_ms: Option<u64>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            name: heartbeat::host_name(),
            lease_ttl_ms: 60_000,
            poll_ms: 250,
            heartbeat_ms: 5_000,
            max_batch: 31,
            max_attempts: 5,
            max_crashes: 20,
            retry_base_ms: 1_000,
            exit_when_idle: false,
            pause_before_write_ms: None,
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A batch ran: how many of its jobs succeeded, failed, or were lost to another worker.
    Ran {
        processor: &'static str,
        succeeded: usize,
        failed: usize,
        lost: usize,
    },
    Idle,
}

/// Shutdown requests: the first asks to finish the current batch and stop; the second to stop
/// at once, handing the current batch back to the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stop {
    Run,
    Finish,
    Now,
}

pub struct Worker {
    cfg: WorkerConfig,
    store: Store,
    graph: Arc<Graph>,
    clock: Arc<dyn Clock>,
    ctx: Ctx,
    build: BuildInfo,
    beat: Arc<Mutex<WorkerBeat>>,
    heartbeat_errors: Arc<AtomicI64>,
    /// Reads shared by every batch while the tables they read are unchanged (each is kept with
    /// its table's version, so processors reading the same history share one read).
    reads: BatchReads,
    /// Wakes the workers of this process when one of them finished work others may wait for.
    wake: Arc<tokio::sync::Notify>,
}

impl Worker {
    /// A worker named `cfg.name`; fails when a live process on this host uses that name.
    pub async fn new(
        store: Store,
        graph: Arc<Graph>,
        cfg: WorkerConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Worker> {
        let host = heartbeat::host_name();
        let pid = i64::from(std::process::id());
        heartbeat::claim_name(&store.db, &cfg.name, &host, pid).await?;
        let build = BuildInfo::current();
        let now = clock.now_ms();
        let beat = WorkerBeat {
            worker: cfg.name.clone(),
            host,
            pid,
            build: build.to_string(),
            started_at: now,
            last_beat_at: now,
            state: "idle".into(),
            current_job: None,
            jobs_done: 0,
            jobs_failed: 0,
            heartbeat_errors: 0,
        };
        Ok(Worker {
            ctx: Ctx::new(store.clone()),
            cfg,
            store,
            graph,
            clock,
            build,
            beat: Arc::new(Mutex::new(beat)),
            heartbeat_errors: Arc::new(AtomicI64::new(0)),
            reads: BatchReads::default(),
            wake: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Shares a wake-up signal with the other workers of this process: an idle worker then
    /// looks for work as soon as another finishes a batch, not at its next poll.
    pub fn with_wake(mut self, wake: Arc<tokio::sync::Notify>) -> Self {
        self.wake = wake;
        self
    }

    /// The versions of `node`'s input tables (each writer's latest run) and of the raw store,
    /// so a batch reuses the reads of earlier batches exactly while their tables are unchanged.
    async fn inputs_of(&self, node: &Node, dates: (GameDate, GameDate)) -> Result<BatchInputs> {
        let decl = node.processor.declaration();
        let mut writers: Vec<(&str, &str)> = Vec::new();
        for input in decl.inputs {
            let nba_props_pipeline::processor::Input::Table { name, .. } = input else {
                continue;
            };
            if let Some(w) = self.graph.nodes().iter().find(|n| {
                n.processor
                    .declaration()
                    .outputs
                    .iter()
                    .any(|t| t.name == *name)
            }) {
                writers.push((name, w.name));
            }
        }
        // The writers' latest runs and the raw store's size, in one round trip (each MAX is
        // one probe of `runs_by_processor`).
        let params: Vec<nba_props_store::Value> =
            writers.iter().map(|(_, w)| (*w).into()).collect();
        let mut columns: Vec<String> = (1..=writers.len())
            .map(|i| format!("(SELECT MAX(run_id) FROM runs WHERE processor = ${i})"))
            .collect();
        columns.push("(SELECT COUNT(*) FROM raw_payloads)".into());
        let rows = self
            .store
            .db
            .query(&format!("SELECT {}", columns.join(", ")), &params)
            .await?;
        let row = rows.first();
        let versions = writers
            .iter()
            .enumerate()
            .map(|(i, (table, writer))| {
                let v = row.and_then(|r| r.i64(i)).unwrap_or(0);
                (table.to_string(), format!("{writer}@{v}"))
            })
            .collect();
        let raw_count = row.and_then(|r| r.i64(writers.len())).unwrap_or(0);
        Ok(BatchInputs {
            versions,
            raw_version: raw_count.to_string(),
            dates,
        })
    }

    pub fn name(&self) -> &str {
        &self.cfg.name
    }

    /// Heartbeats that could not be written so far.
    pub fn heartbeat_errors(&self) -> i64 {
        self.heartbeat_errors.load(Ordering::Relaxed)
    }

    /// Writes the heartbeat now; a failure is logged and counted.
    pub async fn beat_now(&self) {
        write_beat(
            &self.store,
            &self.beat,
            &self.heartbeat_errors,
            &*self.clock,
        )
        .await;
    }

    fn set_state(&self, state: &str, current: Option<String>) {
        let mut b = self.beat.lock().expect("beat lock");
        b.state = state.into();
        b.current_job = current;
    }

    /// Claims one batch and runs it (or reports that nothing is ready).
    pub async fn step(&self) -> Result<Step> {
        self.step_until(&mut watch::channel(Stop::Run).1).await
    }

    async fn step_until(&self, stop: &mut watch::Receiver<Stop>) -> Result<Step> {
        let opts = ClaimOptions {
            worker: self.cfg.name.clone(),
            lease_ttl_ms: self.cfg.lease_ttl_ms,
            max_batch: self.cfg.max_batch,
            max_crashes: self.cfg.max_crashes,
        };
        let Some(claimed) = jobs::claim(&self.store.db, &*self.clock, &self.graph, &opts).await?
        else {
            return Ok(Step::Idle);
        };
        let node = self
            .graph
            .node(claimed.processor)
            .expect("claimed jobs belong to graph nodes");
        let first = &claimed.jobs[0];
        self.set_state(
            "working",
            Some(format!(
                "{} {}{} (job {}, generation {})",
                claimed.processor,
                first.date,
                if claimed.jobs.len() > 1 {
                    format!(" +{} dates", claimed.jobs.len() - 1)
                } else {
                    String::new()
                },
                first.job_id,
                first.generation
            )),
        );
        let step = self.run_batch(node, &claimed, stop).await;
        {
            let mut b = self.beat.lock().expect("beat lock");
            if let Ok(Step::Ran {
                succeeded, failed, ..
            }) = &step
            {
                b.jobs_done += *succeeded as i64;
                b.jobs_failed += *failed as i64;
            }
        }
        self.set_state("idle", None);
        step
    }

    async fn run_batch(
        &self,
        node: &Node,
        claimed: &Claimed,
        stop: &mut watch::Receiver<Stop>,
    ) -> Result<Step> {
        let by_date: HashMap<GameDate, ClaimedJob> =
            claimed.jobs.iter().map(|j| (j.date, j.clone())).collect();
        let held: Vec<Held> = claimed.jobs.iter().map(ClaimedJob::held).collect();
        let hook = self.hook_with(node, by_date);
        let dates: Vec<GameDate> = claimed.jobs.iter().map(|j| j.date).collect();
        let span = tracing::info_span!("batch", processor = node.name, partition = %dates[0], jobs = dates.len(),
            job_id = claimed.jobs[0].job_id, correlation_id = %claimed.jobs[0].correlation_id, worker = %self.cfg.name);
        let inputs = self
            .inputs_of(node, (dates[0], dates[dates.len() - 1]))
            .await?;
        let ctx = self.ctx.for_batch(&self.reads, inputs);
        let work = run_partitions_with(&ctx, node.processor.as_ref(), &dates, Some(&hook))
            .instrument(span);
        // Renewal runs as its own task, so a long computation on this task cannot starve it.
        let mut renew = tokio::spawn(renew_until_lost(
            self.store.clone(),
            self.clock.clone(),
            self.cfg.clone(),
            node.name,
            held,
            hook.writing.clone(),
        ));
        let reports = tokio::select! {
            reports = work => reports,
            lost = &mut renew => {
                let lost = lost.unwrap_or_default();
                tracing::error!(processor = node.name, dates = ?lost, worker = %self.cfg.name,
                    "Lease lost while computing; the batch is abandoned (another worker owns it now).");
                return Ok(Step::Ran { processor: node.name, succeeded: 0, failed: 0, lost: claimed.jobs.len() });
            }
            _ = wait_for(stop, Stop::Now) => {
                renew.abort();
                self.release(node, &claimed.jobs).await?;
                tracing::warn!(processor = node.name, "Stopped mid-batch; its jobs are queued again.");
                return Ok(Step::Ran { processor: node.name, succeeded: 0, failed: 0, lost: claimed.jobs.len() });
            }
        };
        renew.abort();
        let (mut succeeded, mut failed, mut lost) = (0, 0, 0);
        let mut no_input = Vec::new();
        for r in &reports {
            let job = &hook.jobs[&r.date];
            match &r.outcome {
                Outcome::Succeeded { .. } => succeeded += 1,
                Outcome::Fenced { .. } => lost += 1,
                Outcome::NoInput => no_input.push(job),
                Outcome::Failed { error, retryable } => {
                    failed += 1;
                    self.fail(node, job, error, *retryable, r).await?;
                }
            }
        }
        if self.finish_no_input(node, &no_input).await? {
            succeeded += no_input.len();
        } else {
            lost += no_input.len();
        }
        self.wake.notify_waiters();
        // The batch's ids in one event, so a JSON log line leads from the job to its runs.
        tracing::info!(processor = node.name, partition = %dates[0], last_partition = %dates[dates.len() - 1],
            job_id = claimed.jobs[0].job_id, correlation_id = %claimed.jobs[0].correlation_id,
            worker = %self.cfg.name, succeeded, failed, lost, "Batch finished.");
        Ok(Step::Ran {
            processor: node.name,
            succeeded,
            failed,
            lost,
        })
    }

    /// The write hook for a claimed batch (tests drive the runner with it directly).
    pub fn hook(&self, claimed: &Claimed) -> JobHook<'_> {
        let node = self
            .graph
            .node(claimed.processor)
            .expect("claimed jobs belong to graph nodes");
        self.hook_with(
            node,
            claimed.jobs.iter().map(|j| (j.date, j.clone())).collect(),
        )
    }

    fn hook_with<'a>(&'a self, node: &'a Node, jobs: HashMap<GameDate, ClaimedJob>) -> JobHook<'a> {
        JobHook {
            node,
            jobs,
            worker: &self.cfg.name,
            build: self.build.to_string(),
            clock: &*self.clock,
            writing: Arc::new(AtomicBool::new(false)),
            pause_before_write_ms: self.cfg.pause_before_write_ms,
            max_attempts: self.cfg.max_attempts,
        }
    }

    /// Runs that found no input: the jobs succeeded with nothing to write (and trigger
    /// nothing), recorded in one transaction. False when the leases were lost.
    async fn finish_no_input(&self, node: &Node, jobs: &[&ClaimedJob]) -> Result<bool> {
        if jobs.is_empty() {
            return Ok(true);
        }
        let mut tx = self.store.db.begin().await?;
        jobs::lock_rows(&mut tx, jobs).await?;
        let held: Vec<Held> = jobs.iter().map(|j| j.held()).collect();
        if let Err(e) = lease::check(&mut tx, node.name, &held, &self.cfg.name).await {
            tracing::error!(processor = node.name, partition = %jobs[0].date, job_id = jobs[0].job_id, error = %e,
                "Write rejected by the lease epoch check; nothing was written.");
            return Ok(false);
        }
        let now = self.clock.now_ms();
        let at = seq::next(&mut tx).await?;
        let done: Vec<(&ClaimedJob, &'static str)> =
            jobs.iter().map(|j| (*j, "no_input")).collect();
        let dates: Vec<GameDate> = jobs.iter().map(|j| j.date).collect();
        let last = dates[dates.len() - 1].to_string();
        let build = self.build.to_string();
        finish(
            &mut tx,
            node.name,
            &done,
            &dates,
            &self.cfg.name,
            (&last, heartbeat::Ran::NoInput, &build),
            (now, at),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A failed run: retried after a backoff, or dead after its last attempt.
    async fn fail(
        &self,
        node: &Node,
        job: &ClaimedJob,
        error: &str,
        retryable: bool,
        r: &RunReport,
    ) -> Result<()> {
        let mut tx = self.store.db.begin().await?;
        jobs::lock_rows(&mut tx, &[job]).await?;
        if lease::check(&mut tx, node.name, &[job.held()], &self.cfg.name)
            .await
            .is_err()
        {
            // Another worker owns the partition now; its verdict counts, not ours.
            return Ok(());
        }
        let now = self.clock.now_ms();
        let dead =
            jobs::mark_failed(&mut tx, job, error, retryable, now, self.cfg.retry_base_ms).await?;
        lease::release(&mut tx, node.name, &[job.date], &self.cfg.name).await?;
        heartbeat::processor_ran(
            &mut tx,
            node.name,
            &r.date.to_string(),
            heartbeat::Ran::Failed(error),
            &self.build.to_string(),
            now,
        )
        .await?;
        tx.commit().await?;
        if dead && !retryable {
            tracing::error!(processor = node.name, partition = %job.date, job_id = job.job_id, attempts = job.attempts, %error,
                "Job is dead: its failure is not one that trying again can fix; `nba-props jobs --retry {}` queues it again once the cause is fixed.", job.job_id);
        } else if dead {
            tracing::error!(processor = node.name, partition = %job.date, job_id = job.job_id, attempts = job.attempts, %error,
                "Job is dead after its last attempt; `nba-props jobs --retry {}` queues it again.", job.job_id);
        } else {
            tracing::warn!(processor = node.name, partition = %job.date, job_id = job.job_id, attempts = job.attempts, %error,
                "Job failed; it will be retried.");
        }
        Ok(())
    }

    /// Hands claimed jobs back to the queue (shutdown mid-batch).
    async fn release(&self, node: &Node, claimed: &[ClaimedJob]) -> Result<()> {
        let mut tx = self.store.db.begin().await?;
        let refs: Vec<&ClaimedJob> = claimed.iter().collect();
        jobs::lock_rows(&mut tx, &refs).await?;
        let held: Vec<Held> = claimed.iter().map(ClaimedJob::held).collect();
        if lease::check(&mut tx, node.name, &held, &self.cfg.name)
            .await
            .is_ok()
        {
            jobs::mark_released(&mut tx, &refs).await?;
            let dates: Vec<GameDate> = claimed.iter().map(|j| j.date).collect();
            lease::release(&mut tx, node.name, &dates, &self.cfg.name).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Runs until `stop` asks to (or, with `exit_when_idle`, until nothing is ready), with a
    /// heartbeat task beating beside the work.
    pub async fn run(self, mut stop: watch::Receiver<Stop>) -> Result<()> {
        let beats = {
            let (store, beat, errors, clock) = (
                self.store.clone(),
                self.beat.clone(),
                self.heartbeat_errors.clone(),
                self.clock.clone(),
            );
            let every = Duration::from_millis(self.cfg.heartbeat_ms.max(10));
            let (quit, mut quitting) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(async move {
                loop {
                    write_beat(&store, &beat, &errors, &*clock).await;
                    tokio::select! {
                        _ = tokio::time::sleep(every) => {}
                        _ = &mut quitting => break,
                    }
                }
            });
            (quit, task)
        };
        let mut failures = 0u32;
        let result = loop {
            if *stop.borrow() >= Stop::Finish {
                break Ok(());
            }
            let step = self.step_until(&mut stop).await;
            if step.is_ok() && failures > 0 {
                tracing::info!(worker = %self.cfg.name, failures, "Worker recovered.");
                failures = 0;
                self.set_state("idle", None);
            }
            match step {
                Ok(Step::Ran { .. }) => {}
                Ok(Step::Idle) if self.cfg.exit_when_idle => break Ok(()),
                Ok(Step::Idle) => {
                    let pause = Duration::from_millis(self.cfg.poll_ms);
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = self.wake.notified() => {}
                        _ = wait_for(&mut stop, Stop::Finish) => {}
                    }
                }
                Err(e) => {
                    // The database may be restarting or our connection was cut: wait and retry;
                    // the pool reconnects and unfinished jobs come back when their leases expire.
                    failures += 1;
                    // Visible in the heartbeat (health reports failing workers) until a step
                    // succeeds again.
                    self.set_state("failing", Some(format!("{e}")));
                    let pause = Duration::from_millis((200u64 << failures.min(5)).min(5_000));
                    tracing::error!(worker = %self.cfg.name, error = %e, retry_in_ms = pause.as_millis() as u64,
                        "Worker step failed; retrying.");
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = wait_for(&mut stop, Stop::Finish) => {}
                    }
                }
            }
        };
        // Not `abort`: a beat already sent could then commit after the "stopped" one below
        // and leave a stopped worker looking alive. Let the last beat finish first.
        let (quit, task) = beats;
        let _ = quit.send(());
        let _ = task.await;
        self.set_state("stopped", None);
        self.beat_now().await;
        result
    }
}

/// Renews a batch's leases every third of their life; returns the dates whose lease was lost
/// while computing. Once the output transaction has begun the fencing check decides, so the
/// loop then only keeps renewing.
async fn renew_until_lost(
    store: Store,
    clock: Arc<dyn Clock>,
    cfg: WorkerConfig,
    processor: &'static str,
    held: Vec<Held>,
    writing: Arc<AtomicBool>,
) -> Vec<GameDate> {
    let every = Duration::from_millis((cfg.lease_ttl_ms / 3).max(50) as u64);
    let mut valid_until = clock.now_ms() + cfg.lease_ttl_ms;
    loop {
        tokio::time::sleep(every).await;
        let now = clock.now_ms();
        let expires = now + cfg.lease_ttl_ms;
        match lease::renew(&store.db, processor, &held, &cfg.name, expires).await {
            Ok(lost) if lost.is_empty() => valid_until = expires,
            Ok(lost) if !writing.load(Ordering::SeqCst) => return lost,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(processor, error = %e, worker = %cfg.name, "Could not renew the leases.");
                if now > valid_until && !writing.load(Ordering::SeqCst) {
                    return held.iter().map(|h| h.date).collect();
                }
            }
        }
    }
}

/// A finished batch's bookkeeping (one statement on PostgreSQL): the jobs' success, the
/// leases' release and the processor's heartbeat, `ran` on its last partition.
async fn finish(
    tx: &mut Tx,
    processor: &str,
    done: &[(&ClaimedJob, &'static str)],
    dates: &[GameDate],
    worker: &str,
    (last, ran, build): (&str, heartbeat::Ran<'_>, &str),
    (now, finished_seq): (i64, i64),
) -> nba_props_store::Result<()> {
    let finished = |p: &mut Params| jobs::finished_sql(p, done, now, finished_seq);
    let released = |p: &mut Params| lease::release_sql(p, processor, dates, worker);
    let beat = |p: &mut Params| heartbeat::processor_ran_sql(p, processor, last, ran, build, now);
    let mut parts: Vec<&(dyn Fn(&mut Params) -> String + Sync)> = Vec::new();
    if !done.is_empty() {
        parts.push(&finished);
    }
    if !dates.is_empty() {
        parts.push(&released);
    }
    parts.push(&beat);
    execute_together(tx, &parts).await
}

async fn wait_for(stop: &mut watch::Receiver<Stop>, level: Stop) {
    // A closed channel means nobody can ask us to stop any more: wait forever.
    if stop.wait_for(|s| *s >= level).await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn write_beat(
    store: &Store,
    beat: &Mutex<WorkerBeat>,
    errors: &AtomicI64,
    clock: &dyn Clock,
) {
    let b = {
        let mut b = beat.lock().expect("beat lock");
        b.last_beat_at = clock.now_ms();
        b.heartbeat_errors = errors.load(Ordering::Relaxed);
        b.clone()
    };
    if let Err(e) = heartbeat::beat(&store.db, &b).await {
        let n = errors.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::error!(worker = %b.worker, error = %e, heartbeat_errors = n, "Could not write the worker heartbeat.");
    }
}

/// The job bookkeeping inside a partition's output transaction: the fencing check first; after
/// the rows, the job's success, the lease's release, the processor's heartbeat and the
/// downstream jobs.
pub struct JobHook<'a> {
    node: &'a Node,
    jobs: HashMap<GameDate, ClaimedJob>,
    worker: &'a str,
    build: String,
    clock: &'a dyn Clock,
    /// Set once the output transaction is about to begin: from then on the fence decides.
    writing: Arc<AtomicBool>,
    pause_before_write_ms: Option<u64>,
    max_attempts: i64,
}

impl JobHook<'_> {
    fn claimed(&self, dates: &[GameDate]) -> Vec<&ClaimedJob> {
        dates.iter().filter_map(|d| self.jobs.get(d)).collect()
    }
}

impl WriteHook for JobHook<'_> {
    fn about_to_write(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.writing.store(true, Ordering::SeqCst);
            if let Some(ms) = self.pause_before_write_ms {
                tracing::warn!(
                    processor = self.node.name,
                    pause_ms = ms,
                    "Fault injection: pausing before the output transaction."
                );
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
        })
    }

    fn tag(&self, date: GameDate) -> Option<JobTag> {
        self.jobs.get(&date).map(|j| JobTag {
            job_id: j.job_id,
            generation: j.generation,
            epoch: j.epoch,
            worker: self.worker.to_string(),
            correlation_id: j.correlation_id.clone(),
        })
    }

    fn before_write<'a>(
        &'a self,
        tx: &'a mut Tx,
        dates: &'a [GameDate],
    ) -> BoxFuture<'a, Result<(), nba_props_store::Error>> {
        Box::pin(async move {
            let jobs = self.claimed(dates);
            jobs::lock_rows(tx, &jobs).await?;
            let held: Vec<Held> = jobs.iter().map(|j| j.held()).collect();
            lease::check(tx, self.node.name, &held, self.worker).await
        })
    }

    fn after_write<'a>(
        &'a self,
        tx: &'a mut Tx,
        written: &'a [Written],
    ) -> BoxFuture<'a, Result<(), nba_props_store::Error>> {
        Box::pin(async move {
            let now = self.clock.now_ms();
            // Downstream locks before the finish position (see `trigger`), in one statement.
            let locks = trigger::downstream_locks(self.node);
            let locks: Vec<&str> = locks.iter().map(String::as_str).collect();
            let finished_seq = seq::locked_next(tx, &locks).await?;
            let done: Vec<(&ClaimedJob, &'static str)> = written
                .iter()
                .filter_map(|w| {
                    let outcome = if w.changed { "changed" } else { "unchanged" };
                    self.jobs.get(&w.date).map(|j| (j, outcome))
                })
                .collect();
            let dates: Vec<GameDate> = written.iter().map(|w| w.date).collect();
            if let Some(last) = written.last() {
                let last = last.date.to_string();
                finish(
                    tx,
                    self.node.name,
                    &done,
                    &dates,
                    self.worker,
                    (&last, heartbeat::Ran::Succeeded, &self.build),
                    (now, finished_seq),
                )
                .await?;
            }
            // Downstream jobs carry the correlation id and group of the job that triggered them.
            type Origin<'o> = (&'o str, Option<&'o str>, Option<u8>);
            let mut by_origin: HashMap<Origin, Vec<GameDate>> = HashMap::new();
            for w in written.iter().filter(|w| w.changed) {
                if let Some(j) = self.jobs.get(&w.date) {
                    by_origin
                        .entry((
                            j.correlation_id.as_str(),
                            j.group_id.as_deref(),
                            j.max_phase,
                        ))
                        .or_default()
                        .push(w.date);
                }
            }
            for ((correlation_id, group_id, max_phase), changed) in by_origin {
                let opts = JobOptions {
                    correlation_id: correlation_id.to_string(),
                    group_id: group_id.map(str::to_string),
                    max_attempts: self.max_attempts,
                    reason: format!("after {} {}", self.node.name, changed[0]),
                    max_phase,
                };
                trigger::after_success(tx, self.node, &changed, finished_seq, &opts, now)
                    .await
                    .map_err(|e| match e {
                        crate::Error::Store(e) => e,
                        other => nba_props_store::Error::Schema(other.to_string()),
                    })?;
            }
            Ok(())
        })
    }
}
