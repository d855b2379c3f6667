//! Heartbeats: exactly one row per worker name and one per processor, whatever the number of
//! runs or restarts (the old system keyed them by run and grew to 100k documents). A beat that
//! cannot be written is an error in the log and a count, never silence.

use crate::{Error, Result};
use nba_props_store::{Db, Tx, Value};

/// What a worker says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerBeat {
    pub worker: String,
    pub host: String,
    pub pid: i64,
    pub build: String,
    pub started_at: i64,
    pub last_beat_at: i64,
    /// `idle`, `working`, `stopping` or `stopped`.
    pub state: String,
    pub current_job: Option<String>,
    pub jobs_done: i64,
    pub jobs_failed: i64,
    /// Beats that could not be written since the worker started.
    pub heartbeat_errors: i64,
}

pub async fn beat(db: &Db, b: &WorkerBeat) -> Result<()> {
    db.execute(
        "INSERT INTO worker_heartbeats (worker, host, pid, build, started_at, last_beat_at, state, current_job, \
                                        jobs_done, jobs_failed, heartbeat_errors) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (worker) DO UPDATE SET host = excluded.host, pid = excluded.pid, build = excluded.build, \
             started_at = excluded.started_at, last_beat_at = excluded.last_beat_at, state = excluded.state, \
             current_job = excluded.current_job, jobs_done = excluded.jobs_done, jobs_failed = excluded.jobs_failed, \
             heartbeat_errors = excluded.heartbeat_errors",
        &[
            b.worker.as_str().into(),
            b.host.as_str().into(),
            b.pid.into(),
            b.build.as_str().into(),
            b.started_at.into(),
            b.last_beat_at.into(),
            b.state.as_str().into(),
            b.current_job.clone().into(),
            b.jobs_done.into(),
            b.jobs_failed.into(),
            b.heartbeat_errors.into(),
        ],
    )
    .await?;
    Ok(())
}

/// How a processor's latest run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran<'e> {
    Succeeded,
    /// Nothing to read for the partition (no games that day): a success without output.
    NoInput,
    Failed(&'e str),
}

/// A processor's latest run, recorded in the run's own transaction.
pub async fn processor_ran(
    tx: &mut Tx,
    processor: &str,
    partition: &str,
    ran: Ran<'_>,
    build: &str,
    now: i64,
) -> nba_props_store::Result<()> {
    crate::stmt::execute_together(
        tx,
        &[&|p| processor_ran_sql(p, processor, partition, ran, build, now)],
    )
    .await
}

/// The statement of [`processor_ran`].
pub(crate) fn processor_ran_sql(
    p: &mut crate::stmt::Params,
    processor: &str,
    partition: &str,
    ran: Ran<'_>,
    build: &str,
    now: i64,
) -> String {
    let (status, success_at, error_at, error): (&str, Value, Value, Option<&str>) = match ran {
        Ran::Succeeded => ("succeeded", now.into(), Value::Null, None),
        Ran::NoInput => ("no_input", now.into(), Value::Null, None),
        Ran::Failed(e) => ("failed", Value::Null, now.into(), Some(e)),
    };
    let values = [
        p.bind(processor),
        p.bind(now),
        p.bind(partition),
        p.bind(status),
        format!("CAST({} AS BIGINT)", p.bind(success_at)),
        format!("CAST({} AS BIGINT)", p.bind(error_at)),
        p.bind(error),
        p.bind(build),
    ];
    // Success and error times are kept across runs: the latest of each stays visible.
    format!(
        "INSERT INTO processor_heartbeats (processor, last_run_at, last_partition, last_status, last_success_at, \
                                           last_error_at, last_error, build) \
         VALUES ({}) \
         ON CONFLICT (processor) DO UPDATE SET last_run_at = excluded.last_run_at, \
             last_partition = excluded.last_partition, last_status = excluded.last_status, \
             last_success_at = COALESCE(excluded.last_success_at, processor_heartbeats.last_success_at), \
             last_error_at = COALESCE(excluded.last_error_at, processor_heartbeats.last_error_at), \
             last_error = COALESCE(excluded.last_error, processor_heartbeats.last_error), \
             build = excluded.build",
        values.join(", ")
    )
}

pub async fn workers(db: &Db) -> Result<Vec<WorkerBeat>> {
    let rows = db
        .query(
            "SELECT worker, host, pid, build, started_at, last_beat_at, state, current_job, jobs_done, jobs_failed, \
                    heartbeat_errors FROM worker_heartbeats ORDER BY worker",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| WorkerBeat {
            worker: r.text(0),
            host: r.text(1),
            pid: r.i64(2).unwrap_or(0),
            build: r.text(3),
            started_at: r.i64(4).unwrap_or(0),
            last_beat_at: r.i64(5).unwrap_or(0),
            state: r.text(6),
            current_job: r.str(7).map(str::to_string),
            jobs_done: r.i64(8).unwrap_or(0),
            jobs_failed: r.i64(9).unwrap_or(0),
            heartbeat_errors: r.i64(10).unwrap_or(0),
        })
        .collect())
}

/// A processor's heartbeat row.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessorBeat {
    pub processor: String,
    pub last_run_at: i64,
    pub last_partition: String,
    pub last_status: String,
    pub last_success_at: Option<i64>,
    pub last_error_at: Option<i64>,
    pub last_error: Option<String>,
    pub build: String,
}

pub async fn processors(db: &Db) -> Result<Vec<ProcessorBeat>> {
    let rows = db
        .query(
            "SELECT processor, last_run_at, last_partition, last_status, last_success_at, last_error_at, last_error, build \
             FROM processor_heartbeats ORDER BY processor",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| ProcessorBeat {
            processor: r.text(0),
            last_run_at: r.i64(1).unwrap_or(0),
            last_partition: r.text(2),
            last_status: r.text(3),
            last_success_at: r.i64(4),
            last_error_at: r.i64(5),
            last_error: r.str(6).map(str::to_string),
            build: r.text(7),
        })
        .collect())
}

/// Refuses a worker name that a live process on this host already uses: two workers under one
/// name would share a heartbeat row and hide each other. When the name's previous process on
/// this host is gone without stopping (killed, crashed), the leases it still holds are expired
/// at once, so its jobs are taken over now rather than when the leases lapse.
pub async fn claim_name(db: &Db, worker: &str, host: &str, pid: i64) -> Result<()> {
    let rows = db
        .query(
            "SELECT host, pid, state FROM worker_heartbeats WHERE worker = $1",
            &[worker.into()],
        )
        .await?;
    if let Some(r) = rows.first() {
        let (their_host, their_pid, state) = (r.text(0), r.i64(1).unwrap_or(0), r.text(2));
        let alive = process_alive(their_pid);
        if their_host == host && their_pid != pid && state != "stopped" && alive {
            return Err(Error::Invalid(format!(
                "worker name {worker:?} is in use by pid {their_pid} on {host}; give this worker another name (--name)"
            )));
        }
        if their_host == host && their_pid != pid && !alive {
            let n = db
                .execute(
                    "UPDATE leases SET expires_at = 0 WHERE holder = $1 AND expires_at > 0",
                    &[worker.into()],
                )
                .await?;
            if n > 0 {
                tracing::warn!(
                    worker,
                    previous_pid = their_pid,
                    leases = n,
                    "The previous process of this worker name ended without stopping; its leases are released for any worker to take over."
                );
            }
        }
    }
    Ok(())
}

fn process_alive(pid: i64) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // Signal 0 checks existence without sending anything.
    // SAFETY: kill with signal 0 has no effect on the target process.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// This machine's host name.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "unknown-host".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
