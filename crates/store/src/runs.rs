//! Run records: one row per processor run on a partition. Completion is never a stored counter:
//! "is X done for D" is a query over these rows, and the success row is written in the same
//! transaction as the output it describes.

use crate::Result;
use crate::db::{Db, Tx, Value};
use crate::schema::{ColType, Column, TableDef};
use std::collections::HashMap;

/// What a finished run reports.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub processor: String,
    pub partition_key: String,
    pub status: RunStatus,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: i64,
    pub rows_written: Option<i64>,
    pub unmatched: Option<i64>,
    pub output_hash: Option<String>,
    /// JSON: the raw payloads or tables read.
    pub inputs: Option<String>,
    /// The error of a failed run, or the warnings of a successful one.
    pub message: Option<String>,
    pub build: String,
    /// The job this run executed, when the runtime ran it (`None` for in-process backfills).
    pub job: Option<JobTag>,
}

/// Which job, generation, lease epoch and worker a run belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTag {
    pub job_id: i64,
    pub generation: i64,
    pub epoch: i64,
    pub worker: String,
    pub correlation_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Succeeded,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
        }
    }
}

fn params(r: &RunRecord) -> Vec<Value> {
    vec![
        r.processor.as_str().into(),
        r.partition_key.as_str().into(),
        r.status.as_str().into(),
        r.started_at.as_str().into(),
        r.finished_at.as_str().into(),
        r.duration_ms.into(),
        r.rows_written.into(),
        r.unmatched.into(),
        r.output_hash.clone().into(),
        r.inputs.clone().into(),
        r.message.clone().into(),
        r.build.as_str().into(),
        r.job.as_ref().map(|j| j.job_id).into(),
        r.job.as_ref().map(|j| j.generation).into(),
        r.job.as_ref().map(|j| j.epoch).into(),
        r.job.as_ref().map(|j| j.worker.clone()).into(),
        r.job.as_ref().map(|j| j.correlation_id.clone()).into(),
    ]
}

/// The `runs` columns a writer supplies (`run_id` is assigned by the database).
static RUNS: TableDef = TableDef {
    name: "runs",
    columns: &[
        Column::nullable("processor", ColType::Text),
        Column::nullable("partition_key", ColType::Text),
        Column::nullable("status", ColType::Text),
        Column::nullable("started_at", ColType::Text),
        Column::nullable("finished_at", ColType::Text),
        Column::nullable("duration_ms", ColType::Int),
        Column::nullable("rows_written", ColType::Int),
        Column::nullable("unmatched", ColType::Int),
        Column::nullable("output_hash", ColType::Text),
        Column::nullable("inputs", ColType::Text),
        Column::nullable("message", ColType::Text),
        Column::nullable("build", ColType::Text),
        Column::nullable("job_id", ColType::Int),
        Column::nullable("generation", ColType::Int),
        Column::nullable("epoch", ColType::Int),
        Column::nullable("worker", ColType::Text),
        Column::nullable("correlation_id", ColType::Text),
    ],
    key: &[],
    partition: &[],
    moves_by: None,
};

/// Records runs inside the transaction that wrote their output.
pub async fn record_in(tx: &mut Tx, records: &[RunRecord]) -> Result<()> {
    let rows: Vec<Vec<Value>> = records.iter().map(params).collect();
    tx.insert(&RUNS, rows).await?;
    Ok(())
}

/// The output hash and unmatched count of each partition's latest successful run, read inside
/// the writing transaction (under the partitions' locks).
pub async fn last_successes_in(
    tx: &mut Tx,
    processor: &str,
    partitions: &[String],
) -> Result<HashMap<String, (String, i64)>> {
    if partitions.is_empty() {
        return Ok(HashMap::new());
    }
    let ph: Vec<String> = (2..partitions.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT r.partition_key, r.output_hash, r.unmatched FROM runs r \
         WHERE r.processor = $1 AND r.partition_key IN ({}) AND r.run_id = \
           (SELECT MAX(x.run_id) FROM runs x WHERE x.processor = r.processor AND x.partition_key = r.partition_key AND x.status = 'succeeded')",
        ph.join(", ")
    );
    let mut params = vec![Value::from(processor)];
    params.extend(partitions.iter().map(|p| Value::from(p.as_str())));
    let rows = tx.query(&sql, &params).await?;
    Ok(rows
        .iter()
        .map(|r| (r.text(0), (r.text(1), r.i64(2).unwrap_or(0))))
        .collect())
}

/// Records a run on its own (a failed run has no output transaction). Through the typed insert:
/// PostgreSQL rejects a NULL bound without its column's type.
pub async fn record(db: &Db, r: &RunRecord) -> Result<()> {
    let mut tx = db.begin().await?;
    record_in(&mut tx, std::slice::from_ref(r)).await?;
    tx.commit().await
}

/// The latest run of every processor on a partition.
pub async fn latest_for_partition(db: &Db, partition_key: &str) -> Result<Vec<RunRecord>> {
    let rows = db
        .query(
            "SELECT processor, partition_key, status, started_at, finished_at, duration_ms, rows_written, \
                    unmatched, output_hash, inputs, message, build, job_id, generation, epoch, worker, correlation_id \
             FROM runs r WHERE partition_key = $1 \
               AND run_id = (SELECT MAX(run_id) FROM runs WHERE processor = r.processor AND partition_key = r.partition_key) \
             ORDER BY processor",
            &[partition_key.into()],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| RunRecord {
            processor: r.text(0),
            partition_key: r.text(1),
            status: if r.str(2) == Some("succeeded") {
                RunStatus::Succeeded
            } else {
                RunStatus::Failed
            },
            started_at: r.text(3),
            finished_at: r.text(4),
            duration_ms: r.i64(5).unwrap_or(0),
            rows_written: r.i64(6),
            unmatched: r.i64(7),
            output_hash: r.str(8).map(str::to_string),
            inputs: r.str(9).map(str::to_string),
            message: r.str(10).map(str::to_string),
            build: r.text(11),
            job: r.i64(12).map(|job_id| JobTag {
                job_id,
                generation: r.i64(13).unwrap_or(0),
                epoch: r.i64(14).unwrap_or(0),
                worker: r.text(15),
                correlation_id: r.text(16),
            }),
        })
        .collect())
}

/// The output hash of the latest successful run, if any.
pub async fn last_output_hash(
    db: &Db,
    processor: &str,
    partition_key: &str,
) -> Result<Option<String>> {
    Ok(last_success(db, processor, partition_key)
        .await?
        .map(|(hash, _)| hash))
}

const LAST_SUCCESS: &str = "SELECT output_hash, unmatched FROM runs WHERE processor = $1 AND partition_key = $2 \
                            AND status = 'succeeded' ORDER BY run_id DESC LIMIT 1";

/// The output hash and unmatched count of the latest successful run, if any.
pub async fn last_success(
    db: &Db,
    processor: &str,
    partition_key: &str,
) -> Result<Option<(String, i64)>> {
    let rows = db
        .query(LAST_SUCCESS, &[processor.into(), partition_key.into()])
        .await?;
    Ok(rows.first().map(|r| (r.text(0), r.i64(1).unwrap_or(0))))
}
