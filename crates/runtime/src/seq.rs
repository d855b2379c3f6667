//! The runtime's logical clock: one counter that orders claims and finishes across workers.

use nba_props_store::{Backend, Tx, Value, advisory_key};

/// The next position. Taken after the locks that order it against other transactions (see
/// [`crate::trigger`]); on PostgreSQL a sequence (no row lock), on SQLite a counter row inside
/// the single writer transaction.
pub async fn next(tx: &mut Tx) -> nba_props_store::Result<i64> {
    locked_next(tx, &[]).await
}

/// Takes the named locks, in the order given, and then the next position: on PostgreSQL in one
/// statement (the locks are a subquery, evaluated before the position is drawn), on SQLite the
/// single writer transaction already holds every lock.
pub async fn locked_next(tx: &mut Tx, locks: &[&str]) -> nba_props_store::Result<i64> {
    let (sql, params) = match tx.backend() {
        Backend::Postgres if locks.is_empty() => {
            ("SELECT nextval('runtime_seq')".to_string(), Vec::new())
        }
        Backend::Postgres => {
            let calls: Vec<String> = (1..=locks.len())
                .map(|i| format!("pg_advisory_xact_lock(${i})"))
                .collect();
            let params: Vec<Value> = locks.iter().map(|n| advisory_key(n).into()).collect();
            (
                format!(
                    "SELECT nextval('runtime_seq') FROM (SELECT {}) AS locks",
                    calls.join(", ")
                ),
                params,
            )
        }
        Backend::Sqlite => (
            "UPDATE runtime_seq SET value = value + 1 WHERE name = 'events' RETURNING value"
                .to_string(),
            Vec::new(),
        ),
    };
    let rows = tx.query(&sql, &params).await?;
    rows.first().and_then(|r| r.i64(0)).ok_or_else(|| {
        nba_props_store::Error::Schema(
            "runtime_seq returned no value: is migration 0003 applied?".into(),
        )
    })
}
