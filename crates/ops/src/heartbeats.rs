//! Heartbeat housekeeping: the rows of retired workers and processors ("ghosts") are pruned by
//! age, so the health check does not report a machine that was switched off on purpose.

use crate::Result;
use nba_props_runtime::heartbeat::{self, ProcessorBeat, WorkerBeat};
use nba_props_store::Db;

/// What is there now.
pub async fn list(db: &Db) -> Result<(Vec<WorkerBeat>, Vec<ProcessorBeat>)> {
    Ok((
        heartbeat::workers(db).await?,
        heartbeat::processors(db).await?,
    ))
}

/// What a prune removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    pub workers: Vec<String>,
    pub processors: Vec<String>,
}

/// Deletes worker rows whose last beat, and processor rows whose last run, is older than
/// `older_than_ms` before `now`. A running worker beats every few seconds, so only ghosts go.
pub async fn prune(db: &Db, now: i64, older_than_ms: i64) -> Result<Pruned> {
    let cutoff = now - older_than_ms.max(0);
    let mut tx = db.begin().await?;
    let workers = tx
        .query(
            "SELECT worker FROM worker_heartbeats WHERE last_beat_at < $1 ORDER BY worker",
            &[cutoff.into()],
        )
        .await?
        .iter()
        .map(|r| r.text(0))
        .collect();
    tx.execute(
        "DELETE FROM worker_heartbeats WHERE last_beat_at < $1",
        &[cutoff.into()],
    )
    .await?;
    let processors = tx
        .query(
            "SELECT processor FROM processor_heartbeats WHERE last_run_at < $1 ORDER BY processor",
            &[cutoff.into()],
        )
        .await?
        .iter()
        .map(|r| r.text(0))
        .collect();
    tx.execute(
        "DELETE FROM processor_heartbeats WHERE last_run_at < $1",
        &[cutoff.into()],
    )
    .await?;
    tx.commit().await?;
    Ok(Pruned {
        workers,
        processors,
    })
}

/// `7d`, `36h`, `90m`, `30s` or plain milliseconds.
pub fn parse_duration_ms(s: &str) -> Result<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num.parse().map_err(|_| {
        crate::Error::Invalid(format!("duration {s:?}: expected e.g. 7d, 36h, 90m"))
    })?;
    let per = match unit {
        "" | "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => {
            return Err(crate::Error::Invalid(format!(
                "duration {s:?}: unit {unit:?} is not one of d, h, m, s, ms"
            )));
        }
    };
    n.checked_mul(per)
        .ok_or_else(|| crate::Error::Invalid(format!("duration {s:?} is too long")))
}
