//! Phase 1 state: one row per scraped (source, dataset) with its last attempt, last success and
//! last error. Every scrape updates its row in place, so the table holds as many rows as there
//! are datasets however often scrapes run or fail (state is bounded); the history of attempts is
//! in the logs and, for successes, in `raw_payloads`.

use crate::Result;
use crate::db::{Db, Value};

/// How one scrape of a dataset ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The scrape finished; `payloads` is how many payloads it stored or found already stored.
    Succeeded { payloads: i64 },
    /// The scrape failed with this message (already free of secrets).
    Failed { error: String },
}

/// The Odds API credits as its last answer stated them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub remaining: i64,
    pub used: Option<i64>,
}

/// One row of `source_status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    pub source: String,
    pub dataset: String,
    pub last_attempt_at: String,
    /// The date the last attempt asked for.
    pub last_date: Option<String>,
    pub last_success_at: Option<String>,
    pub last_payloads: Option<i64>,
    pub last_error_at: Option<String>,
    pub last_error: Option<String>,
    pub quota: Option<Quota>,
    pub build: String,
}

/// Records an attempt at `at` (RFC 3339 UTC): a success keeps the last error (its time and
/// message stay visible beside the newer success), a failure keeps the last success. A known
/// quota replaces the stored one; an unknown one leaves it.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    db: &Db,
    source: &str,
    dataset: &str,
    date: Option<&str>,
    at: &str,
    attempt: &Attempt,
    quota: Option<Quota>,
    build: &str,
) -> Result<()> {
    let mut cols: Vec<(&str, Value)> = vec![
        ("source", source.into()),
        ("dataset", dataset.into()),
        ("last_attempt_at", at.into()),
        ("last_date", date.into()),
        ("build", build.into()),
    ];
    match attempt {
        Attempt::Succeeded { payloads } => {
            cols.push(("last_success_at", at.into()));
            cols.push(("last_payloads", (*payloads).into()));
        }
        Attempt::Failed { error } => {
            cols.push(("last_error_at", at.into()));
            cols.push(("last_error", error.as_str().into()));
        }
    }
    if let Some(q) = quota {
        cols.push(("odds_requests_remaining", q.remaining.into()));
        if let Some(used) = q.used {
            cols.push(("odds_requests_used", used.into()));
        }
    }
    // Only the columns this attempt has something to say about are written: the others keep
    // their stored values (a success leaves the last error alone, and the reverse).
    let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
    let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let updates: Vec<String> = names[2..]
        .iter()
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    let sql = format!(
        "INSERT INTO source_status ({}) VALUES ({}) ON CONFLICT (source, dataset) DO UPDATE SET {}",
        names.join(", "),
        placeholders.join(", "),
        updates.join(", ")
    );
    let params: Vec<Value> = cols.into_iter().map(|(_, v)| v).collect();
    db.execute(&sql, &params).await?;
    Ok(())
}

/// Every row, by source and dataset.
pub async fn list(db: &Db) -> Result<Vec<SourceStatus>> {
    let rows = db
        .query(
            "SELECT source, dataset, last_attempt_at, last_date, last_success_at, last_payloads, \
             last_error_at, last_error, odds_requests_remaining, odds_requests_used, build \
             FROM source_status ORDER BY source, dataset",
            &[],
        )
        .await?;
    let opt = |v: Option<&str>| v.map(str::to_string);
    Ok(rows
        .iter()
        .map(|r| SourceStatus {
            source: r.text(0),
            dataset: r.text(1),
            last_attempt_at: r.text(2),
            last_date: opt(r.str(3)),
            last_success_at: opt(r.str(4)),
            last_payloads: r.i64(5),
            last_error_at: opt(r.str(6)),
            last_error: opt(r.str(7)),
            quota: r.i64(8).map(|remaining| Quota {
                remaining,
                used: r.i64(9),
            }),
            build: r.text(10),
        })
        .collect())
}

/// The row of one dataset, if it was ever scraped.
pub async fn get(db: &Db, source: &str, dataset: &str) -> Result<Option<SourceStatus>> {
    Ok(list(db)
        .await?
        .into_iter()
        .find(|s| s.source == source && s.dataset == dataset))
}

/// How many rows the table holds: one per dataset ever scraped, however many attempts.
pub async fn count(db: &Db) -> Result<i64> {
    let rows = db.query("SELECT COUNT(*) FROM source_status", &[]).await?;
    Ok(rows.first().and_then(|r| r.i64(0)).unwrap_or(0))
}
