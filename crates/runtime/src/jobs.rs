//! The durable job table: creating jobs (coalescing into a queued one), claiming ready batches,
//! retries with backoff, dead jobs, and the reads behind `nba-props jobs`.

use crate::dag::{Graph, Node};
use crate::lease::{self, Held};
use crate::{Clock, Error, Result, day_number, seq};
use nba_props_core::GameDate;
use nba_props_store::{Backend, Db, Row, Tx, Value};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> Option<JobState> {
        Some(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "succeeded" => JobState::Succeeded,
            "dead" => JobState::Dead,
            _ => return None,
        })
    }
}

/// A row of the job table.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub job_id: i64,
    pub processor: String,
    pub partition_key: String,
    pub generation: i64,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    pub next_attempt_at: i64,
    pub correlation_id: String,
    pub group_id: Option<String>,
    pub reason: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub worker: Option<String>,
    pub epoch: Option<i64>,
    pub outcome: Option<String>,
    pub last_error: Option<String>,
    /// Attempts that ended with their worker gone (killed, crashed): counted apart from
    /// errors, under their own bound.
    pub crashes: i64,
    /// How the last attempt failed: `retryable`, `fatal` or `crash`.
    pub failure: Option<String>,
}

const JOB_COLUMNS: &str = "job_id, processor, partition_key, generation, state, attempts, max_attempts, \
    next_attempt_at, correlation_id, group_id, reason, created_at, started_at, finished_at, worker, epoch, \
    outcome, last_error, crashes, failure";

fn job_of(r: &Row) -> Job {
    Job {
        job_id: r.i64(0).unwrap_or(0),
        processor: r.text(1),
        partition_key: r.text(2),
        generation: r.i64(3).unwrap_or(0),
        state: JobState::parse(r.str(4).unwrap_or_default()).unwrap_or(JobState::Dead),
        attempts: r.i64(5).unwrap_or(0),
        max_attempts: r.i64(6).unwrap_or(0),
        next_attempt_at: r.i64(7).unwrap_or(0),
        correlation_id: r.text(8),
        group_id: r.str(9).map(str::to_string),
        reason: r.text(10),
        created_at: r.i64(11).unwrap_or(0),
        started_at: r.i64(12),
        finished_at: r.i64(13),
        worker: r.str(14).map(str::to_string),
        epoch: r.i64(15),
        outcome: r.str(16).map(str::to_string),
        last_error: r.str(17).map(str::to_string),
        crashes: r.i64(18).unwrap_or(0),
        failure: r.str(19).map(str::to_string),
    }
}

/// How new jobs are made.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// Follows the work from the fetch (or the backfill) to the export.
    pub correlation_id: String,
    /// A backfill's group, which caps how many workers run its jobs at once.
    pub group_id: Option<String>,
    pub max_attempts: i64,
    pub reason: String,
    /// The last phase that successes of these jobs trigger (a backfill of phases 2-4 stops at
    /// 4); `None` triggers everything downstream.
    pub max_phase: Option<u8>,
}

/// A partition a job may be created for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub date: GameDate,
    /// Only re-run a partition that has had a job before (wide windows re-run what exists;
    /// only a same-date edge creates new partitions).
    pub only_if_exists: bool,
}

/// What an enqueue or trigger did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    /// New jobs (a first generation or a new one).
    pub created: usize,
    /// Partitions that already had a queued job, which will read the newest inputs anyway.
    pub coalesced: usize,
    /// Partitions whose latest job was claimed after the triggering run finished: it already saw
    /// that output (a re-delivered or reordered trigger).
    pub already_seen: usize,
}

/// Creates the jobs of `processor` for `candidates`, inside `tx`, which holds the processor's
/// lock ([`lock_processor`]). A partition with a queued job gets none (that job has not read its
/// inputs yet). With `seen_after` (the finish position of the triggering run), a partition whose
/// latest job was claimed after it gets none either.
pub(crate) async fn ensure(
    tx: &mut Tx,
    processor: &str,
    candidates: &[Candidate],
    seen_after: Option<i64>,
    opts: &JobOptions,
    now: i64,
) -> Result<Enqueued> {
    let mut done = Enqueued::default();
    if candidates.is_empty() {
        return Ok(done);
    }
    let lo = candidates
        .iter()
        .map(|c| day_number(c.date))
        .min()
        .unwrap_or(0);
    let hi = candidates
        .iter()
        .map(|c| day_number(c.date))
        .max()
        .unwrap_or(0);
    let rows = tx
        .query(
            "SELECT partition_key, MAX(generation), \
                    SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END), MAX(claimed_seq) \
             FROM jobs WHERE processor = $1 AND day >= $2 AND day <= $3 GROUP BY partition_key",
            &[processor.into(), lo.into(), hi.into()],
        )
        .await?;
    let existing: HashMap<String, (i64, i64, Option<i64>)> = rows
        .iter()
        .map(|r| {
            (
                r.text(0),
                (r.i64(1).unwrap_or(0), r.i64(2).unwrap_or(0), r.i64(3)),
            )
        })
        .collect();
    let mut new_rows: Vec<(GameDate, i64)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in candidates {
        if !seen.insert(c.date) {
            continue;
        }
        match existing.get(&c.date.to_string()) {
            None if c.only_if_exists => {}
            None => new_rows.push((c.date, 1)),
            Some((_, queued, _)) if *queued > 0 => done.coalesced += 1,
            Some((_, _, Some(claimed))) if seen_after.is_some_and(|f| *claimed > f) => {
                done.already_seen += 1
            }
            Some((generation, _, _)) => new_rows.push((c.date, generation + 1)),
        }
    }
    for chunk in new_rows.chunks(400) {
        let mut params: Vec<Value> = vec![
            processor.into(),
            opts.max_attempts.into(),
            now.into(),
            opts.correlation_id.as_str().into(),
            opts.group_id.clone().into(),
            opts.reason.as_str().into(),
        ];
        let mut values = Vec::with_capacity(chunk.len());
        for (date, generation) in chunk {
            params.push(date.to_string().into());
            params.push(day_number(*date).into());
            params.push((*generation).into());
            let n = params.len();
            values.push(format!(
                "($1, ${}, ${}, ${}, 'queued', 0, $2, $3, $4, $5, $6, $3)",
                n - 2,
                n - 1,
                n
            ));
        }
        // The group id may be NULL: PostgreSQL types a bare NULL parameter as text, which is
        // the column's type here.
        let sql = format!(
            "INSERT INTO jobs (processor, partition_key, day, generation, state, attempts, max_attempts, \
                               next_attempt_at, correlation_id, group_id, reason, created_at) \
             VALUES {} ON CONFLICT DO NOTHING",
            values.join(", ")
        );
        done.created += tx.execute(&sql, &params).await? as usize;
    }
    Ok(done)
}

/// Serialises, per processor, the transactions that create its jobs and those that claim them:
/// a claim then either sees a trigger's committed inputs or happened before it (and the trigger
/// makes a new generation).
pub(crate) async fn lock_processor(tx: &mut Tx, processor: &str) -> nba_props_store::Result<()> {
    tx.lock_named(&processor_lock(processor)).await
}

pub(crate) fn processor_lock(processor: &str) -> String {
    format!("jobs:{processor}")
}

/// Creates a group of jobs that at most `max_running` workers run at once; returns its id.
pub async fn create_group(
    db: &Db,
    clock: &dyn Clock,
    max_running: usize,
    max_phase: Option<u8>,
    description: &str,
) -> Result<String> {
    let now = clock.now_ms();
    let group_id = format!("{now}-{:04x}", fastrand::u16(..));
    db.execute(
        "INSERT INTO job_groups (group_id, max_running, max_phase, created_at, description) \
         VALUES ($1, $2, CAST($3 AS BIGINT), $4, $5)",
        &[
            group_id.as_str().into(),
            (max_running.max(1) as i64).into(),
            max_phase.map(i64::from).into(),
            now.into(),
            description.into(),
        ],
    )
    .await?;
    Ok(group_id)
}

/// Creates jobs for every (processor, date), e.g. a backfill or a manual re-run: a new
/// generation for partitions that ran before, nothing for partitions with a queued job.
pub async fn enqueue(
    db: &Db,
    clock: &dyn Clock,
    graph: &Graph,
    work: &[(&str, GameDate)],
    opts: &JobOptions,
) -> Result<Enqueued> {
    let mut tx = db.begin().await?;
    let total = enqueue_in(&mut tx, clock, graph, work, opts).await?;
    tx.commit().await?;
    Ok(total)
}

/// [`enqueue`] inside a caller's transaction, so the jobs commit (or not) with the caller's own
/// record of why they exist (the scheduler's tick row).
pub async fn enqueue_in(
    tx: &mut Tx,
    clock: &dyn Clock,
    graph: &Graph,
    work: &[(&str, GameDate)],
    opts: &JobOptions,
) -> Result<Enqueued> {
    let mut by_processor: Vec<(&str, Vec<Candidate>)> = Vec::new();
    for &(p, date) in work {
        if graph.node(p).is_none() {
            return Err(Error::NotFound(format!("no processor named {p}")));
        }
        let c = Candidate {
            date,
            only_if_exists: false,
        };
        match by_processor.iter_mut().find(|(q, _)| *q == p) {
            Some((_, cs)) => cs.push(c),
            None => by_processor.push((p, vec![c])),
        }
    }
    // Locks in one order everywhere (by name), so two enqueues cannot deadlock.
    by_processor.sort_by_key(|(p, _)| *p);
    let now = clock.now_ms();
    let mut total = Enqueued::default();
    for (p, candidates) in &by_processor {
        lock_processor(tx, p).await?;
        let e = ensure(tx, p, candidates, None, opts, now).await?;
        total.created += e.created;
        total.coalesced += e.coalesced;
    }
    Ok(total)
}

/// A job a worker claimed, with its lease.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub job_id: i64,
    pub date: GameDate,
    pub generation: i64,
    /// Attempts including this one.
    pub attempts: i64,
    pub max_attempts: i64,
    pub epoch: i64,
    pub correlation_id: String,
    pub group_id: Option<String>,
    /// The group's last triggered phase.
    pub max_phase: Option<u8>,
}

impl ClaimedJob {
    pub fn held(&self) -> Held {
        Held {
            date: self.date,
            epoch: self.epoch,
        }
    }
}

/// A batch of jobs of one processor.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub processor: &'static str,
    pub jobs: Vec<ClaimedJob>,
}

#[derive(Debug, Clone)]
pub struct ClaimOptions {
    pub worker: String,
    pub lease_ttl_ms: i64,
    /// Jobs of one processor claimed (and written) together, for processors that allow it.
    pub max_batch: usize,
    /// Crashes (attempts whose worker died) before a job is dead.
    pub max_crashes: i64,
}

/// The ready jobs of `node` (see the module docs of [`crate::dag`]): queued and due, or
/// running under an expired lease (its worker died), with no live lease on the partition, no
/// pending or dead upstream work on the dates the processor reads, and room in the job's group
/// (only workers that hold a live lease take up room: a dead process's jobs do not).
fn ready_sql(node: &Node, backend: Backend, locked: bool) -> (String, Vec<Value>) {
    // PostgreSQL would turn the NOT EXISTS checks into anti-joins over every pending job of the
    // processor and sort them all; `OFFSET 0` keeps each a per-row index probe, so the scan
    // walks `jobs_ready` in order and stops at the first ready jobs.
    let per_row = match backend {
        Backend::Postgres => " OFFSET 0",
        Backend::Sqlite => "",
    };
    let mut params: Vec<Value> = vec![node.name.into()];
    let mut waits = Vec::new();
    let mut holes = Vec::new();
    for (list, out) in [(&node.waits_for, &mut waits), (&node.holes, &mut holes)] {
        for w in list {
            params.push(w.processor.into());
            out.push(format!(
                "(a.processor = ${} AND a.day >= j.day + ({}) AND a.day <= j.day + ({}))",
                params.len(),
                w.from,
                w.to
            ));
        }
    }
    let mut upstream = String::new();
    if !waits.is_empty() {
        upstream = format!(
            " AND NOT EXISTS (SELECT 1 FROM jobs a WHERE a.state IN ('queued', 'running') AND ({}){per_row})",
            waits.join(" OR ")
        );
    }
    if !holes.is_empty() {
        // A dead upstream partition (whose latest generation is the dead one) is a hole the job
        // would compute over: it waits until that partition is retried or re-run.
        upstream.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM jobs a WHERE a.state = 'dead' AND ({}) \
               AND NOT EXISTS (SELECT 1 FROM jobs b WHERE b.processor = a.processor \
                               AND b.partition_key = a.partition_key AND b.generation > a.generation){per_row})",
            holes.join(" OR ")
        ));
    }
    let n = params.len();
    let lock = match (backend, locked) {
        (Backend::Postgres, true) => " FOR UPDATE OF j SKIP LOCKED",
        _ => "",
    };
    let sql = format!(
        "SELECT j.job_id, j.partition_key, j.generation, j.attempts, j.max_attempts, j.correlation_id, j.group_id, j.last_error, \
                (SELECT g.max_phase FROM job_groups g WHERE g.group_id = j.group_id), j.state, j.crashes \
         FROM jobs j \
         WHERE j.processor = $1 \
           AND ((j.state = 'queued' AND j.next_attempt_at <= ${now}) OR j.state = 'running') \
           AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.processor = $1 AND l.partition_key = j.partition_key \
                           AND l.holder IS NOT NULL AND l.expires_at > ${now}{per_row}){upstream} \
           AND (j.group_id IS NULL OR \
                (SELECT COUNT(DISTINCT r.worker) FROM jobs r JOIN leases rl ON rl.processor = r.processor \
                   AND rl.partition_key = r.partition_key AND rl.holder = r.worker AND rl.expires_at > ${now} \
                 WHERE r.group_id = j.group_id AND r.state = 'running' AND r.worker <> ${me}) \
                < (SELECT g.max_running FROM job_groups g WHERE g.group_id = j.group_id)) \
         ORDER BY j.day, j.generation LIMIT ${limit}{lock}",
        now = n + 1,
        me = n + 2,
        limit = n + 3,
    );
    (sql, params)
}

/// The processors that may have claimable work, upstream first.
async fn candidates(db: &Db, graph: &Graph) -> Result<Vec<&'static str>> {
    // One index probe per processor with pending jobs (a skip scan of `jobs_ready`), however
    // many jobs are pending; whether any is due and unleased is the readiness query's business.
    let rows = db
        .query(
            "WITH RECURSIVE p(processor) AS ( \
                 SELECT MIN(processor) FROM jobs WHERE state IN ('queued', 'running') \
                 UNION ALL \
                 SELECT (SELECT MIN(j.processor) FROM jobs j \
                         WHERE j.state IN ('queued', 'running') AND j.processor > p.processor) \
                 FROM p WHERE p.processor IS NOT NULL) \
             SELECT processor FROM p WHERE processor IS NOT NULL",
            &[],
        )
        .await?;
    let mut names: Vec<&'static str> = rows
        .iter()
        .filter_map(|r| graph.node(r.str(0).unwrap_or_default()).map(|n| n.name))
        .collect();
    names.sort_by_key(|n| graph.rank(n));
    Ok(names)
}

/// Claims a batch of ready jobs (of the most upstream processor that has any), grants their
/// leases and marks them running; jobs that used up their attempts become dead instead.
pub async fn claim(
    db: &Db,
    clock: &dyn Clock,
    graph: &Graph,
    opts: &ClaimOptions,
) -> Result<Option<Claimed>> {
    let now = clock.now_ms();
    for name in candidates(db, graph).await? {
        let node = graph.node(name).expect("candidates are graph nodes");
        let limit = if node.groupable {
            opts.max_batch.max(1)
        } else {
            1
        };
        // On SQLite a read first, outside any write transaction: a poll that finds nothing
        // ready must not queue behind every other writer. PostgreSQL's claim skips locked rows
        // and waits for nobody, so it goes straight to the claim.
        if db.backend() == Backend::Sqlite {
            let (probe, mut params) = ready_sql(node, db.backend(), false);
            params.extend([now.into(), opts.worker.as_str().into(), 1i64.into()]);
            if db.query(&probe, &params).await?.is_empty() {
                continue;
            }
        }
        if let Some(claimed) = claim_from(db, clock, node, opts, limit).await? {
            return Ok(Some(claimed));
        }
    }
    Ok(None)
}

async fn claim_from(
    db: &Db,
    clock: &dyn Clock,
    node: &Node,
    opts: &ClaimOptions,
    limit: usize,
) -> Result<Option<Claimed>> {
    // A claim lost in a server crash only leaves its jobs queued (and a worker holding a lease
    // the database forgot is fenced at its write), so it need not wait for the disk. Outputs,
    // committed with their job's success, stay synchronous.
    let mut tx = db.begin_async_commit().await?;
    lock_processor(&mut tx, node.name).await?;
    let now = clock.now_ms();
    let (sql, mut params) = ready_sql(node, tx.backend(), true);
    params.extend([
        now.into(),
        opts.worker.as_str().into(),
        (limit as i64).into(),
    ]);
    let rows = tx.query(&sql, &params).await?;
    if rows.is_empty() {
        tx.commit().await?;
        return Ok(None);
    }
    // A job still `running` here lost its worker (killed, crashed) with its lease: it is
    // claimed alone, so a batch that kills its worker does not share its fate with the
    // partitions around it, and the crash is counted apart from errors.
    let orphan = |r: &Row| r.str(9) == Some(JobState::Running.as_str());
    let alone = rows.first().is_some_and(orphan);
    let mut claim: Vec<ClaimedJob> = Vec::new();
    let mut crashed: Vec<i64> = Vec::new();
    for r in &rows {
        if !alone && orphan(r) {
            continue;
        }
        let job_id = r.i64(0).unwrap_or(0);
        let (attempts, max_attempts) = (r.i64(3).unwrap_or(0), r.i64(4).unwrap_or(1));
        let crashes = r.i64(10).unwrap_or(0) + i64::from(orphan(r));
        if orphan(r) && crashes > opts.max_crashes {
            let error = format!(
                "gave up after {crashes} crashes: every one of these attempts ended with its worker gone (killed or crashed){}",
                r.str(7)
                    .map(|e| format!("; last error: {e}"))
                    .unwrap_or_default()
            );
            tx.execute(
                "UPDATE jobs SET state = 'dead', finished_at = $1, last_error = $2, crashes = $3, failure = 'crash' \
                 WHERE job_id = $4",
                &[now.into(), error.into(), crashes.into(), job_id.into()],
            )
            .await?;
            tracing::error!(job_id, processor = node.name, partition = %r.text(1), crashes,
                "Job is dead: its workers kept dying while running it.");
            continue;
        }
        let date = GameDate::parse(&r.text(1))
            .map_err(|e| Error::Invalid(format!("job {job_id}: bad partition_key: {e}")))?;
        if claim.iter().any(|c| c.date == date) {
            // An older generation whose worker died, and its successor: one lease per
            // partition, so the newer one waits for the next claim.
            continue;
        }
        if orphan(r) {
            crashed.push(job_id);
        }
        claim.push(ClaimedJob {
            job_id,
            date,
            generation: r.i64(2).unwrap_or(0),
            // The crashed attempt is not charged: this claim takes its place.
            attempts: attempts + i64::from(!orphan(r)),
            max_attempts,
            epoch: 0,
            correlation_id: r.text(5),
            group_id: r.str(6).map(str::to_string),
            max_phase: r.i64(8).and_then(|p| u8::try_from(p).ok()),
        });
        if alone {
            break;
        }
    }
    if claim.is_empty() {
        tx.commit().await?;
        return Ok(None);
    }
    let dates: Vec<GameDate> = claim.iter().map(|c| c.date).collect();
    let expires_at = now + opts.lease_ttl_ms;
    let epochs: Vec<(i64, i64)> = match tx.backend() {
        // The grant and the update in one statement; the claim position is drawn inside it (an
        // uncorrelated subquery: one value for the whole batch).
        Backend::Postgres => {
            let mut p = crate::stmt::Params::default();
            let grant = lease::grant_sql(&mut p, node.name, &dates, &opts.worker, expires_at);
            let (now, worker) = (p.bind(now), p.bind(opts.worker.as_str()));
            let ids = p.bind_all(claim.iter().map(|c| c.job_id));
            let counts = attempt_counts(&mut p, &crashed);
            let sql = format!(
                "WITH granted AS ({grant}) \
                 UPDATE jobs SET state = 'running', {counts}, started_at = {now}, worker = {worker}, \
                        claimed_seq = (SELECT nextval('runtime_seq')), finished_at = NULL, epoch = granted.epoch \
                 FROM granted WHERE jobs.job_id IN ({ids}) AND jobs.partition_key = granted.partition_key \
                 RETURNING jobs.job_id, granted.epoch"
            );
            let rows = tx.query(&sql, &p.0).await?;
            rows.iter()
                .filter_map(|r| Some((r.i64(0)?, r.i64(1)?)))
                .collect()
        }
        Backend::Sqlite => {
            let held = lease::grant(&mut tx, node.name, &dates, &opts.worker, expires_at).await?;
            let claimed_seq = seq::next(&mut tx).await?;
            let mut p = crate::stmt::Params::default();
            let (now, worker, seq) = (
                p.bind(now),
                p.bind(opts.worker.as_str()),
                p.bind(claimed_seq),
            );
            let ids = p.bind_all(claim.iter().map(|c| c.job_id));
            let counts = attempt_counts(&mut p, &crashed);
            tx.execute(
                &format!(
                    "UPDATE jobs SET state = 'running', {counts}, started_at = {now}, worker = {worker}, \
                            claimed_seq = {seq}, finished_at = NULL, \
                            epoch = (SELECT l.epoch FROM leases l WHERE l.processor = jobs.processor AND l.partition_key = jobs.partition_key) \
                     WHERE job_id IN ({ids})"
                ),
                &p.0,
            )
            .await?;
            claim
                .iter()
                .filter_map(|c| Some((c.job_id, held.iter().find(|h| h.date == c.date)?.epoch)))
                .collect()
        }
    };
    for c in &mut claim {
        c.epoch = epochs
            .iter()
            .find(|(id, _)| *id == c.job_id)
            .map(|(_, epoch)| *epoch)
            .ok_or_else(|| Error::Invalid(format!("no lease granted for job {}", c.job_id)))?;
    }
    tx.commit().await?;
    Ok(Some(Claimed {
        processor: node.name,
        jobs: claim,
    }))
}

/// The claim's counters: an attempt for every job, except that a job whose worker died (in
/// `crashed`) counts a crash instead and keeps its attempts.
fn attempt_counts(p: &mut crate::stmt::Params, crashed: &[i64]) -> String {
    if crashed.is_empty() {
        return "attempts = attempts + 1".into();
    }
    let ids = p.bind_all(crashed.iter().copied());
    format!(
        "attempts = attempts + CASE WHEN job_id IN ({ids}) THEN 0 ELSE 1 END, \
         crashes = crashes + CASE WHEN job_id IN ({ids}) THEN 1 ELSE 0 END, \
         failure = CASE WHEN job_id IN ({ids}) THEN 'crash' ELSE failure END"
    )
}

/// Locks the jobs' rows (PostgreSQL) before their leases are checked: the same order as a
/// claim, which locks job rows first, so the two cannot deadlock.
pub(crate) async fn lock_rows(tx: &mut Tx, jobs: &[&ClaimedJob]) -> nba_props_store::Result<()> {
    if tx.backend() != Backend::Postgres || jobs.is_empty() {
        return Ok(());
    }
    let ids = (1..=jobs.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let params: Vec<Value> = jobs.iter().map(|j| Value::from(j.job_id)).collect();
    tx.query(
        &format!("SELECT job_id FROM jobs WHERE job_id IN ({ids}) FOR UPDATE"),
        &params,
    )
    .await?;
    Ok(())
}

/// Marks jobs finished (inside the output transaction) at position `finished_seq`: one
/// statement for every outcome (`jobs` not empty).
pub(crate) fn finished_sql(
    p: &mut crate::stmt::Params,
    jobs: &[(&ClaimedJob, &'static str)],
    now: i64,
    finished_seq: i64,
) -> String {
    let (now, seq) = (p.bind(now), p.bind(finished_seq));
    let cases: Vec<String> = jobs
        .iter()
        .map(|(j, outcome)| format!("WHEN {} THEN {}", p.bind(j.job_id), p.bind(*outcome)))
        .collect();
    let ids = p.bind_all(jobs.iter().map(|(j, _)| j.job_id));
    format!(
        "UPDATE jobs SET state = 'succeeded', finished_at = {now}, outcome = CASE job_id {} END, \
                finished_seq = {seq}, last_error = NULL, failure = NULL \
         WHERE job_id IN ({ids})",
        cases.join(" ")
    )
}

/// Backoff before attempt `attempts + 1`: 2^attempts seconds (capped at 10 minutes) ± 20%.
pub fn backoff_ms(attempts: i64, base_ms: i64) -> i64 {
    let exp = base_ms.saturating_mul(1i64 << attempts.clamp(0, 20));
    let capped = exp.min(600_000);
    let jitter = (capped as f64 * 0.2 * (fastrand::f64() * 2.0 - 1.0)) as i64;
    (capped + jitter).max(base_ms)
}

/// Records a failed attempt (in `tx`, after the lease check): a retryable failure is queued
/// again after a backoff, or dead when it was the last attempt; a fatal one is dead at once (the
/// same inputs would fail the same way). Returns whether it is dead.
pub(crate) async fn mark_failed(
    tx: &mut Tx,
    job: &ClaimedJob,
    error: &str,
    retryable: bool,
    now: i64,
    retry_base_ms: i64,
) -> nba_props_store::Result<bool> {
    let dead = !retryable || job.attempts >= job.max_attempts;
    let failure = if retryable { "retryable" } else { "fatal" };
    if dead {
        tx.execute(
            "UPDATE jobs SET state = 'dead', finished_at = $1, last_error = $2, failure = $3 WHERE job_id = $4",
            &[now.into(), error.into(), failure.into(), job.job_id.into()],
        )
        .await?;
    } else {
        let at = now + backoff_ms(job.attempts, retry_base_ms);
        tx.execute(
            "UPDATE jobs SET state = 'queued', next_attempt_at = $1, last_error = $2, failure = $3 WHERE job_id = $4",
            &[at.into(), error.into(), failure.into(), job.job_id.into()],
        )
        .await?;
    }
    Ok(dead)
}

/// Puts claimed jobs back in the queue without counting the attempt (graceful shutdown).
pub(crate) async fn mark_released(
    tx: &mut Tx,
    jobs: &[&ClaimedJob],
) -> nba_props_store::Result<()> {
    for j in jobs {
        tx.execute(
            "UPDATE jobs SET state = 'queued', attempts = attempts - 1 WHERE job_id = $1 AND state = 'running'",
            &[j.job_id.into()],
        )
        .await?;
    }
    Ok(())
}

/// Filters for [`list`].
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub state: Option<JobState>,
    pub processor: Option<String>,
    pub group_id: Option<String>,
    pub limit: usize,
}

pub async fn list(db: &Db, f: &ListFilter) -> Result<Vec<Job>> {
    let mut conds = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    if let Some(s) = f.state {
        params.push(s.as_str().into());
        conds.push(format!("state = ${}", params.len()));
    }
    if let Some(p) = &f.processor {
        params.push(p.as_str().into());
        conds.push(format!("processor = ${}", params.len()));
    }
    if let Some(g) = &f.group_id {
        params.push(g.as_str().into());
        conds.push(format!("group_id = ${}", params.len()));
    }
    let wh = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    params.push((f.limit.max(1) as i64).into());
    let rows = db
        .query(
            &format!(
                "SELECT {JOB_COLUMNS} FROM jobs{wh} ORDER BY job_id DESC LIMIT ${}",
                params.len()
            ),
            &params,
        )
        .await?;
    Ok(rows.iter().map(job_of).collect())
}

pub async fn get(db: &Db, job_id: i64) -> Result<Job> {
    let rows = db
        .query(
            &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE job_id = $1"),
            &[job_id.into()],
        )
        .await?;
    rows.first()
        .map(job_of)
        .ok_or_else(|| Error::NotFound(format!("no job {job_id}")))
}

/// Job counts by state, overall or for one group.
pub async fn counts(db: &Db, group_id: Option<&str>) -> Result<HashMap<JobState, i64>> {
    let rows = match group_id {
        Some(g) => {
            db.query(
                "SELECT state, COUNT(*) FROM jobs WHERE group_id = $1 GROUP BY state",
                &[g.into()],
            )
            .await?
        }
        None => {
            db.query("SELECT state, COUNT(*) FROM jobs GROUP BY state", &[])
                .await?
        }
    };
    Ok(rows
        .iter()
        .filter_map(|r| Some((JobState::parse(r.str(0)?)?, r.i64(1).unwrap_or(0))))
        .collect())
}

/// Puts a dead job back in the queue with fresh attempts (`nba-props jobs --retry ID`).
pub async fn retry(db: &Db, clock: &dyn Clock, job_id: i64) -> Result<Job> {
    let job = get(db, job_id).await?;
    if job.state != JobState::Dead {
        return Err(Error::Invalid(format!(
            "job {job_id} ({} {} generation {}) is {}, not dead: only dead jobs are retried",
            job.processor,
            job.partition_key,
            job.generation,
            job.state.as_str()
        )));
    }
    db.execute(
        "UPDATE jobs SET state = 'queued', attempts = 0, crashes = 0, next_attempt_at = $1, finished_at = NULL \
         WHERE job_id = $2 AND state = 'dead'",
        &[clock.now_ms().into(), job_id.into()],
    )
    .await?;
    get(db, job_id).await
}

/// A queued job that cannot run: a partition it reads is dead (its latest job gave up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub job_id: i64,
    pub processor: String,
    pub partition_key: String,
    /// The dead upstream job it waits for (the first of them, when several).
    pub by_job_id: i64,
    pub by_processor: String,
    pub by_partition_key: String,
}

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "job {} {} {} waits for dead job {} ({} {})",
            self.job_id,
            self.processor,
            self.partition_key,
            self.by_job_id,
            self.by_processor,
            self.by_partition_key
        )
    }
}

/// The queued jobs that a dead upstream partition blocks, among the jobs matching `filter` (an
/// SQL condition over `jobs` with its parameters; `None`: every job). The claim's readiness
/// query makes the same decision; this says which dead job each waits for.
pub async fn blocked(
    db: &Db,
    graph: &Graph,
    filter: Option<(&str, &[Value])>,
) -> Result<Vec<Blocked>> {
    let dead = db
        .query(
            "SELECT a.job_id, a.processor, a.partition_key, a.day FROM jobs a WHERE a.state = 'dead' \
               AND NOT EXISTS (SELECT 1 FROM jobs b WHERE b.processor = a.processor \
                               AND b.partition_key = a.partition_key AND b.generation > a.generation) \
             ORDER BY a.processor, a.day",
            &[],
        )
        .await?;
    if dead.is_empty() {
        return Ok(Vec::new());
    }
    let (cond, params) = filter.unwrap_or(("1 = 1", &[]));
    let queued = db
        .query(
            &format!(
                "SELECT job_id, processor, partition_key, day FROM jobs \
                 WHERE state = 'queued' AND ({cond}) ORDER BY processor, day"
            ),
            params,
        )
        .await?;
    let mut out = Vec::new();
    for q in &queued {
        let Some(node) = graph.node(q.str(1).unwrap_or_default()) else {
            continue;
        };
        let day = q.i64(3).unwrap_or(0);
        let hole = node.holes.iter().find_map(|w| {
            dead.iter().find(|d| {
                d.str(1) == Some(w.processor)
                    && (day + i64::from(w.from)..=day + i64::from(w.to))
                        .contains(&d.i64(3).unwrap_or(i64::MIN))
            })
        });
        if let Some(d) = hole {
            out.push(Blocked {
                job_id: q.i64(0).unwrap_or(0),
                processor: q.text(1),
                partition_key: q.text(2),
                by_job_id: d.i64(0).unwrap_or(0),
                by_processor: d.text(1),
                by_partition_key: d.text(2),
            });
        }
    }
    Ok(out)
}
