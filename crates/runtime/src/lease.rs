//! Leases with fencing: one row per (processor, partition) naming who may write it, under which
//! epoch, until when. Every grant bumps the epoch; the output transaction checks that the epoch
//! it was granted is still the partition's, so a worker that was paused (or partitioned away)
//! past its lease cannot write over the work of the worker that took the partition over.

use nba_props_core::GameDate;
use nba_props_store::{Backend, Db, Tx, Value};

/// The lease a worker holds on one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub date: GameDate,
    pub epoch: i64,
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Grants `worker` the leases of `dates` (inside the claim transaction) and returns each new
/// epoch. A partition's first grant has epoch 1; every later grant adds one.
pub async fn grant(
    tx: &mut Tx,
    processor: &str,
    dates: &[GameDate],
    worker: &str,
    expires_at: i64,
) -> nba_props_store::Result<Vec<Held>> {
    let mut p = crate::stmt::Params::default();
    let sql = grant_sql(&mut p, processor, dates, worker, expires_at);
    let rows = tx.query(&sql, &p.0).await?;
    let mut held = Vec::with_capacity(rows.len());
    for r in rows {
        let date = GameDate::parse(&r.text(0)).map_err(|e| {
            nba_props_store::Error::Schema(format!("leases: bad partition_key: {e}"))
        })?;
        held.push(Held {
            date,
            epoch: r.i64(1).unwrap_or(0),
        });
    }
    Ok(held)
}

/// The statement of [`grant`], returning (partition_key, epoch) per date (`dates` distinct).
pub(crate) fn grant_sql(
    p: &mut crate::stmt::Params,
    processor: &str,
    dates: &[GameDate],
    worker: &str,
    expires_at: i64,
) -> String {
    let (processor, worker, expires_at) = (p.bind(processor), p.bind(worker), p.bind(expires_at));
    let values: Vec<String> = dates
        .iter()
        .map(|d| {
            format!(
                "({processor}, {}, {worker}, 1, {expires_at})",
                p.bind(d.to_string())
            )
        })
        .collect();
    format!(
        "INSERT INTO leases (processor, partition_key, holder, epoch, expires_at) VALUES {} \
         ON CONFLICT (processor, partition_key) DO UPDATE \
         SET holder = excluded.holder, epoch = leases.epoch + 1, expires_at = excluded.expires_at \
         RETURNING partition_key, epoch",
        values.join(", ")
    )
}

/// Extends the leases `worker` holds; returns the dates whose lease it no longer holds (taken
/// over by another worker after it expired).
pub async fn renew(
    db: &Db,
    processor: &str,
    held: &[Held],
    worker: &str,
    expires_at: i64,
) -> nba_props_store::Result<Vec<GameDate>> {
    let mut lost = Vec::new();
    for h in held {
        let n = db
            .execute(
                "UPDATE leases SET expires_at = $1 \
                 WHERE processor = $2 AND partition_key = $3 AND holder = $4 AND epoch = $5",
                &[
                    expires_at.into(),
                    processor.into(),
                    h.date.to_string().into(),
                    worker.into(),
                    h.epoch.into(),
                ],
            )
            .await?;
        if n == 0 {
            lost.push(h.date);
        }
    }
    Ok(lost)
}

/// The fencing check, first in an output transaction: every lease must still carry the epoch
/// and holder it was granted with, else the write is refused with [`nba_props_store::Error::Fenced`].
/// An expired lease nobody took over still passes: no other worker can have written.
/// On PostgreSQL the lease rows stay locked until the transaction ends, so no grant can slip in
/// between this check and the commit.
pub async fn check(
    tx: &mut Tx,
    processor: &str,
    held: &[Held],
    worker: &str,
) -> nba_props_store::Result<()> {
    if held.is_empty() {
        return Ok(());
    }
    let mut params: Vec<Value> = vec![processor.into()];
    params.extend(held.iter().map(|h| Value::from(h.date.to_string())));
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "SELECT partition_key, holder, epoch FROM leases WHERE processor = $1 AND partition_key IN ({}){lock}",
        placeholders(2, held.len())
    );
    let rows = tx.query(&sql, &params).await?;
    for h in held {
        let date = h.date.to_string();
        let current = rows.iter().find(|r| r.str(0) == Some(date.as_str()));
        let (holder, epoch) = match current {
            Some(r) => (r.str(1).map(str::to_string), r.i64(2).unwrap_or(0)),
            None => (None, 0),
        };
        if epoch != h.epoch || holder.as_deref() != Some(worker) {
            return Err(nba_props_store::Error::Fenced(format!(
                "{processor} {date}: {worker} holds lease epoch {}, but the partition's lease is now epoch {epoch} held by {}",
                h.epoch,
                holder.as_deref().unwrap_or("nobody")
            )));
        }
    }
    Ok(())
}

/// Releases the leases (after the output is written, in the same transaction): the epoch stays,
/// so the next grant is still newer than any earlier one.
pub async fn release(
    tx: &mut Tx,
    processor: &str,
    dates: &[GameDate],
    worker: &str,
) -> nba_props_store::Result<()> {
    if dates.is_empty() {
        return Ok(());
    }
    crate::stmt::execute_together(tx, &[&|p| release_sql(p, processor, dates, worker)]).await
}

/// The statement of [`release`] (`dates` not empty).
pub(crate) fn release_sql(
    p: &mut crate::stmt::Params,
    processor: &str,
    dates: &[GameDate],
    worker: &str,
) -> String {
    let (processor, worker) = (p.bind(processor), p.bind(worker));
    let dates = p.bind_all(dates.iter().map(|d| d.to_string()));
    format!(
        "UPDATE leases SET holder = NULL, expires_at = 0 \
         WHERE processor = {processor} AND holder = {worker} AND partition_key IN ({dates})"
    )
}
