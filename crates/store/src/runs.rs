//! Run records: one row per processor run on a partition. Completion is never a stored counter:
//! "is X done for D" is a query over these rows, and the success row is written in the same
//! transaction as the output it describes.

use crate::db::{Db, Tx, Value};
use crate::Result;

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

const INSERT: &str = "INSERT INTO runs (processor, partition_key, status, started_at, finished_at, duration_ms, \
                      rows_written, unmatched, output_hash, inputs, message, build) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

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
    ]
}

/// Records a run inside the transaction that wrote its output.
pub async fn record_in(tx: &mut Tx, r: &RunRecord) -> Result<()> {
    tx.execute(INSERT, &params(r)).await?;
    Ok(())
}

/// Records a run on its own (a failed run has no output transaction).
pub async fn record(db: &Db, r: &RunRecord) -> Result<()> {
    db.execute(INSERT, &params(r)).await?;
    Ok(())
}

/// The latest run of every processor on a partition.
pub async fn latest_for_partition(db: &Db, partition_key: &str) -> Result<Vec<RunRecord>> {
    let rows = db
        .query(
            "SELECT processor, partition_key, status, started_at, finished_at, duration_ms, rows_written, \
                    unmatched, output_hash, inputs, message, build \
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
            status: if r.str(2) == Some("succeeded") { RunStatus::Succeeded } else { RunStatus::Failed },
            started_at: r.text(3),
            finished_at: r.text(4),
            duration_ms: r.i64(5).unwrap_or(0),
            rows_written: r.i64(6),
            unmatched: r.i64(7),
            output_hash: r.str(8).map(str::to_string),
            inputs: r.str(9).map(str::to_string),
            message: r.str(10).map(str::to_string),
            build: r.text(11),
        })
        .collect())
}

/// The output hash of the latest successful run, if any.
pub async fn last_output_hash(db: &Db, processor: &str, partition_key: &str) -> Result<Option<String>> {
    let rows = db
        .query(
            "SELECT output_hash FROM runs WHERE processor = $1 AND partition_key = $2 AND status = 'succeeded' \
             ORDER BY run_id DESC LIMIT 1",
            &[processor.into(), partition_key.into()],
        )
        .await?;
    Ok(rows.first().and_then(|r| r.str(0).map(str::to_string)))
}
